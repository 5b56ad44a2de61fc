// The device's outbound queue. Floor intents (pick.confirm, receipt.line) are numbered device
// mutations, replayed in order through POST /api/devices/{id}/mutations: the server applies each
// exactly once. Other commands (a rep's order) keep their Idempotency-Key and are resent as-is.
// Both are written to IndexedDB before anything is sent, so a reload or a crash loses nothing.
import { ApiError, api, describe, freshToken, NetworkError, newKey, session } from './api'
import { addCommand, addMutation, db, getDevice, type QueuedMutation, type Rejection } from './db'
import { ensureDevice, needsRegistration } from './device'
import { store } from './store'

export interface SyncState {
  online: boolean
  queued: number
  syncing: boolean
  rejections: Rejection[]
  problem: string | null // why the queue cannot move (other than being offline)
  registering: boolean // this install is not registered as a device yet: the queue waits for that first
}

export const sync = store<SyncState>({
  online: navigator.onLine,
  queued: 0,
  syncing: false,
  rejections: [],
  problem: null,
  registering: false,
})

interface MutationResult {
  mutation_id: number
  outcome: 'applied' | 'rejected' | 'refused'
  status: number
  result: Record<string, unknown>
  replayed?: boolean
  expected_mutation_id?: number
}

interface MutationsAnswer {
  device_id: string
  last_mutation_id: number
  next_mutation_id: number
  results: MutationResult[]
}

export interface Settled {
  ref: string
  kind: string
  outcome: 'applied' | 'rejected'
  result: Record<string, unknown>
  payload: unknown
}

// screens listen for their own commands' outcomes (a queued pick that has now been applied)
const settledListeners = new Set<(settled: Settled) => void>()
export function onSettled(listener: (settled: Settled) => void): () => void {
  settledListeners.add(listener)
  return () => settledListeners.delete(listener)
}

function announce(settled: Settled): void {
  for (const listener of [...settledListeners]) listener(settled)
}

async function refreshCounts(): Promise<void> {
  const database = await db()
  const queued = (await database.count('mutations')) + (await database.count('commands'))
  const rejections = await database.getAll('rejections')
  sync.update((s) => ({ ...s, queued, rejections }))
}

// the server's reasons that name internal task references, said in the floor's words instead
const PLAIN: Record<string, string> = {
  'task.not_claimed_by_worker': 'The task was given to someone else.',
  'task.already_claimed': 'Someone else holds this task now.',
  'task.not_active': 'The task is closed (done or cancelled elsewhere).',
  'task.invalid_transition': 'The task has moved on elsewhere (done, cancelled or reassigned).',
  'pick.not_in_progress': 'The task has moved on elsewhere (done, cancelled or reassigned).',
  'pick.already_complete': 'The task was already picked.',
  'pick.item_mismatch': 'The task is for another item.',
  'task.not_found': 'The task no longer exists.',
  'count.not_a_count': 'That task is not a count.',
}

async function reject(ref: string, label: string, result: Record<string, unknown>): Promise<void> {
  const code = String(result.code ?? 'rejected')
  const entry: Rejection = {
    ref,
    label,
    code,
    detail: plainReason(result),
    at: new Date().toISOString(),
  }
  await (await db()).add('rejections', entry)
}

/** A server answer's reason for a person on the floor: plain words, never a task reference. */
export function plainReason(result: { code?: unknown; detail?: unknown }): string {
  return PLAIN[String(result.code)] ?? String(result.detail ?? 'The server refused this.')
}

/** Any error as a person on the floor reads it: a server refusal in plain words, else its message. */
export function plainError(error: unknown): string {
  return error instanceof ApiError ? plainReason(error) : describe(error)
}

export async function dismissRejection(id: number): Promise<void> {
  await (await db()).delete('rejections', id)
  await refreshCounts()
}

/** Queue a device mutation (an intent, never a row patch) and send it at once when possible. */
export async function mutate(kind: string, payload: Record<string, unknown>, label: string): Promise<QueuedMutation> {
  const queued = await addMutation({
    kind,
    payload,
    label,
    user: session.get()?.user.username ?? '',
    created_at: new Date().toISOString(),
  })
  await refreshCounts()
  void flush()
  return queued
}

/** Queue an HTTP command with an idempotency key (for when it could not be sent now). */
export async function queueCommand(method: string, path: string, body: unknown, label: string, key = newKey()): Promise<string> {
  await addCommand({
    key,
    method,
    path,
    body,
    label,
    user: session.get()?.user.username ?? '',
    created_at: new Date().toISOString(),
  })
  await refreshCounts()
  void flush()
  return key
}

export async function queuedCommands(): Promise<{ key: string; path: string; body: unknown; label: string }[]> {
  return (await db()).getAllFromIndex('commands', 'seq')
}

let running: Promise<void> | null = null
let again = false

/** Replay everything queued, in order; returns when the queue is empty or cannot move now.
 *  A call while a replay runs is never dropped: that replay may have started offline or be past
 *  the commands, so one more pass follows it. */
export function flush(): Promise<void> {
  if (running) {
    again = true
    return running
  }
  running = (async () => {
    do {
      again = false
      await replay()
    } while (again)
  })().finally(() => {
    running = null
  })
  return running
}

async function replay(): Promise<void> {
  sync.update((s) => ({ ...s, syncing: true }))
  let failed = false
  try {
    if (!session.get()) return
    const unregistered = await needsRegistration()
    sync.update((s) => ({ ...s, registering: unregistered }))
    if (!navigator.onLine) return
    // a device away for a while holds an expired token: renew it before the replay
    if (!(await freshToken())) return
    // mutations are numbered per device: without one the queue could only wait, so register first
    if (unregistered) await ensureDevice()
    sync.update((s) => ({ ...s, registering: false }))
    await flushMutations()
    await flushCommands()
    sync.update((s) => ({ ...s, online: true, problem: null }))
  } catch (error) {
    failed = true
    if (error instanceof NetworkError) sync.update((s) => ({ ...s, online: false }))
    else sync.update((s) => ({ ...s, problem: error instanceof Error ? error.message : String(error) }))
  } finally {
    sync.update((s) => ({ ...s, syncing: false }))
    await refreshCounts()
  }
  retryLater(failed)
}

let retryTimer: ReturnType<typeof setTimeout> | undefined
let retryDelay = 1_000

/** After a failed pass, try again soon (backing off to 30 s) while online; the 'online' event also flushes. */
function retryLater(failed: boolean): void {
  clearTimeout(retryTimer)
  if (!failed) {
    retryDelay = 1_000
    return
  }
  const state = sync.get()
  if (!state.registering && !state.queued) return
  retryTimer = setTimeout(() => void flush(), retryDelay)
  retryDelay = Math.min(retryDelay * 2, 30_000)
}

async function flushMutations(): Promise<void> {
  const device = await getDevice()
  if (!device) return
  for (;;) {
    const database = await db()
    const batch = (await database.getAll('mutations')).slice(0, 200)
    if (!batch.length) return
    const answer = await api<MutationsAnswer>(
      'POST',
      `/api/devices/${device.id}/mutations`,
      batch.map(({ mutation_id, kind, payload }) => ({ mutation_id, kind, payload })),
    )
    let progressed = false
    for (const result of answer.results) {
      if (result.outcome === 'refused') continue
      const queued = batch.find((m) => m.mutation_id === result.mutation_id)
      if (!queued) continue
      progressed = true
      if (result.outcome === 'rejected') await reject(String(queued.mutation_id), queued.label, result.result)
      await database.delete('mutations', queued.mutation_id)
      announce({ ref: String(queued.mutation_id), kind: queued.kind, outcome: result.outcome, result: result.result, payload: queued.payload })
    }
    await refreshCounts()
    if (!progressed) {
      throw new Error(`The server expects mutation ${answer.next_mutation_id}, which this device no longer holds.`)
    }
  }
}

async function flushCommands(): Promise<void> {
  const database = await db()
  for (const command of await database.getAllFromIndex('commands', 'seq')) {
    let outcome: Settled['outcome'] = 'applied'
    let result: Record<string, unknown>
    try {
      result = await api<Record<string, unknown>>(command.method, command.path, command.body, {
        idempotencyKey: command.key,
      })
    } catch (error) {
      // a business "no" settles the command; anything else (5xx, throttling) is retried later
      const settles = error instanceof ApiError && error.status >= 400 && error.status < 500 && ![401, 408, 429].includes(error.status)
      if (!settles) throw error
      outcome = 'rejected'
      result = { code: error.code, detail: error.detail }
      await reject(command.key, command.label, result)
    }
    await database.delete('commands', command.key)
    announce({ ref: command.key, kind: command.path, outcome, result, payload: command.body })
    await refreshCounts()
  }
}

/** Track the network and keep the queue moving: on reconnect, after a failure, and every 20 s while
 *  it is not empty or the device is not registered yet. */
export function startSync(): void {
  const set = (online: boolean) => sync.update((s) => ({ ...s, online }))
  window.addEventListener('online', () => {
    set(true)
    void flush()
  })
  window.addEventListener('offline', () => set(false))
  setInterval(() => {
    if ((sync.get().queued || sync.get().registering) && navigator.onLine) void flush()
  }, 20_000)
  void refreshCounts().then(flush)
}
