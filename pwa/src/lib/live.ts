// The live feed (/ws, see realtime/PROTOCOL.md): one socket per app, opened with a single-use ticket,
// topics resumed from their last position after a reconnect, `reset` answered by refetching.
import { post, session } from './api'
import { store } from './store'

export interface Position {
  epoch: string
  seq: number
}

export interface LiveEvent {
  id: string
  seq: number
  type: string
  warehouse: string
  entity: string
  entity_id: string
  entity_version: number
  occurred_at: string
  data: Record<string, any>
}

export interface PresenceMember {
  user_id: number
  username: string
  device_id: string | null
  roles: string[]
  connections: number
}

export interface Subscription {
  skus?: string[]
  from?: Position | null
  onEvents(events: LiveEvent[]): void
  /** The server cannot continue without a gap: refetch the snapshot, then call `resubscribe`. */
  onReset(reason: string): void
  onPresence?(online: PresenceMember[]): void
  onError?(code: string, message: string): void
}

// idle: no screen follows anything live, so there is nothing to reconnect
export const liveStatus = store<'idle' | 'offline' | 'connecting' | 'live'>('idle')

const topics = new Map<string, Subscription & { position: Position | null }>()
let socket: WebSocket | null = null
let retry = 0
let timer: ReturnType<typeof setTimeout> | null = null

function send(message: unknown): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message))
}

function subscribeMessage(topic: string): Record<string, unknown> {
  const sub = topics.get(topic)!
  return { op: 'subscribe', topic, ...(sub.skus ? { skus: sub.skus } : {}), ...(sub.position ? { from: sub.position } : {}) }
}

/** Follow `topic` from `sub.from` (a snapshot's as_of); returns the function that stops it. */
export function subscribe(topic: string, sub: Subscription): () => void {
  const entry = { ...sub, position: sub.from ?? null }
  topics.set(topic, entry)
  if (socket?.readyState === WebSocket.OPEN) send(subscribeMessage(topic))
  else connect()
  return () => {
    if (topics.get(topic) !== entry) return // replaced by a newer subscription of the same topic
    topics.delete(topic)
    send({ op: 'unsubscribe', topic })
  }
}

function handle(message: Record<string, any>): void {
  const sub = message.topic ? topics.get(message.topic) : undefined
  switch (message.op) {
    case 'events':
      if (!sub) return
      sub.position = { epoch: message.epoch, seq: message.seq }
      if (message.events.length) sub.onEvents(message.events)
      return
    case 'subscribed':
      if (sub && !sub.position) sub.position = { epoch: message.epoch, seq: message.seq }
      return
    case 'reset':
      if (!sub) return
      sub.position = null
      sub.onReset(message.reason)
      return
    case 'presence':
      sub?.onPresence?.(message.online)
      return
    case 'ping':
      // the positions let a rarely-matching topic keep a recent resume point
      for (const [topic, position] of Object.entries(message.positions ?? {})) {
        const held = topics.get(topic)
        if (held) held.position = position as Position
      }
      send({ op: 'pong' })
      return
    case 'error':
      if (message.code === 'stream.unavailable' && message.topic && topics.has(message.topic)) {
        setTimeout(() => send(subscribeMessage(message.topic)), message.retry_ms ?? 2000)
      }
      sub?.onError?.(message.code, message.message)
      return
  }
}

async function open(): Promise<void> {
  if (!topics.size) {
    liveStatus.set('idle')
    return
  }
  if (!session.get() || !navigator.onLine) {
    liveStatus.set('offline')
    return
  }
  liveStatus.set('connecting')
  const ticket = await post<{ url: string }>('/api/realtime/tickets')
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ticket.url}`
  const ws = new WebSocket(url)
  socket = ws
  ws.onopen = () => {
    retry = 0
    liveStatus.set('live')
    for (const topic of topics.keys()) send(subscribeMessage(topic))
  }
  ws.onmessage = (event) => {
    const data = JSON.parse(String(event.data)) as Record<string, any> | Record<string, any>[]
    for (const message of Array.isArray(data) ? data : [data]) handle(message)
  }
  ws.onclose = () => {
    if (socket !== ws) return
    socket = null
    liveStatus.set(topics.size ? 'offline' : 'idle')
    schedule()
  }
}

function schedule(): void {
  if (timer || !topics.size || !session.get()) return
  // back off, but come back quickly after a short blip
  const delay = Math.min(500 * 2 ** retry++, 15_000)
  timer = setTimeout(() => {
    timer = null
    connect()
  }, delay)
}

function connect(): void {
  if (socket || timer) return
  open().catch(() => {
    socket = null
    liveStatus.set(topics.size ? 'offline' : 'idle')
    schedule()
  })
}

/** Close the socket (logout); subscriptions are dropped. */
export function disconnect(): void {
  topics.clear()
  if (timer) clearTimeout(timer)
  timer = null
  const ws = socket
  socket = null
  ws?.close(1000)
  liveStatus.set('idle')
}

window.addEventListener('online', () => {
  retry = 0
  if (timer) clearTimeout(timer)
  timer = null
  connect()
})
window.addEventListener('offline', () => socket?.close())

/** Applies an entity's event only when it is newer than what the screen holds. */
export class Versions {
  private held = new Map<string, number>()
  newer(entity: string, id: string | number, version: number): boolean {
    const key = `${entity}:${id}`
    if ((this.held.get(key) ?? -1) >= version) return false
    this.held.set(key, version)
    return true
  }
  clear(): void {
    this.held.clear()
  }
}
