// Integrations for admins and supervisors: each webhook endpoint of the warehouse with its health
// (behind by how many events, failing since when, last answer), and its dead letters with replay.
// Health is polled: it changes with every delivery, far too often to follow event by event.
import { useEffect, useState } from 'preact/hooks'
import { describe, get, newKey, post } from '../lib/api'
import { Message, type Note } from '../ui'

interface Subscription {
  id: number
  url: string
  types: string[]
  description: string
  active: boolean
  cursor: number
  head: number
  lag: number
  attempt: number
  consecutive_failures: number
  failing: boolean
  last_status: number | null
  last_error: string | null
  last_attempt_at: string | null
  last_success_at: string | null
  dead_letters: number
}

interface DeadLetter {
  id: number
  seq: number
  event_id: string
  event_type: string
  state: string
  attempts: number
  last_response_code: number | null
  last_error: string | null
  dead_at: string
}

const POLL_MS = 5000

// The hook into the supervisor app: a button that opens the integration screen in place.
export function IntegrationsToggle({ warehouse }: { warehouse: string }) {
  const [open, setOpen] = useState(false)
  return (
    <div class="integrations">
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide integrations' : 'Integrations'}
      </button>
      {open && <Integrations warehouse={warehouse} />}
    </div>
  )
}

function health(s: Subscription): [string, string] {
  if (!s.active) return ['paused', 'queued']
  if (s.failing) return ['failing', 'exception']
  if (s.attempt > 0) return ['retrying', 'picking']
  return ['healthy', 'done']
}

function when(stamp: string | null): string {
  return stamp ? new Date(stamp).toLocaleTimeString() : 'never'
}

export function Integrations({ warehouse }: { warehouse: string }) {
  const [subs, setSubs] = useState<Subscription[]>([])
  const [chosen, setChosen] = useState<number | null>(null)
  const [note, setNote] = useState<Note>(null)
  useEffect(() => {
    let live = true
    const load = () =>
      get<Subscription[]>(`/api/webhooks/?warehouse=${encodeURIComponent(warehouse)}`)
        .then((rows) => live && setSubs(rows))
        .catch((error) => live && setNote({ kind: 'error', text: describe(error) }))
    void load()
    const timer = setInterval(load, POLL_MS)
    return () => {
      live = false
      clearInterval(timer)
    }
  }, [warehouse])
  return (
    <section class="card" aria-labelledby="integrations-title">
      <h2 id="integrations-title">Webhook endpoints</h2>
      <Message note={note} />
      <ul class="rows" data-testid="webhooks">
        {subs.map((s) => {
          const [label, css] = health(s)
          return (
            <li key={s.id}>
              <span>
                <span class={`badge state-${css}`}>{label}</span> <strong>{s.description || s.url}</strong>
                <small>
                  {' '}
                  · {s.types.length ? s.types.join(', ') : 'all events'} · behind {s.lag} · last answer{' '}
                  {s.last_status ?? s.last_error ?? '–'} · last success {when(s.last_success_at)}
                  {s.consecutive_failures > 0 && ` · ${s.consecutive_failures} failures in a row`}
                </small>
              </span>
              <button type="button" class="secondary" onClick={() => setChosen(chosen === s.id ? null : s.id)}>
                Dead letters ({s.dead_letters})
              </button>
            </li>
          )
        })}
        {!subs.length && <li>No webhook endpoints for {warehouse}.</li>}
      </ul>
      {chosen !== null && <DeadLetters subscription={chosen} onNote={setNote} />}
    </section>
  )
}

function DeadLetters({ subscription, onNote }: { subscription: number; onNote(note: Note): void }) {
  const [rows, setRows] = useState<DeadLetter[]>([])
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    get<DeadLetter[]>(`/api/webhooks/${subscription}/dead-letters`)
      .then(setRows)
      .catch((error) => onNote({ kind: 'error', text: describe(error) }))
  }, [subscription, generation])
  const replay = async (row: DeadLetter | null) => {
    const path = row
      ? `/api/webhooks/${subscription}/dead-letters/${row.id}/replay`
      : `/api/webhooks/${subscription}/dead-letters/replay`
    try {
      const answer = await post<{ queued: DeadLetter[] }>(path, {}, { idempotencyKey: newKey() })
      onNote({ kind: 'ok', text: `${answer.queued.length} queued for replay, in sequence order.` })
      setGeneration((g) => g + 1)
    } catch (error) {
      onNote({ kind: 'error', text: describe(error) })
    }
  }
  const dead = rows.filter((r) => r.state === 'dead')
  return (
    <div data-testid="dead-letters">
      <h3>Dead letters</h3>
      <ul class="rows">
        {rows.map((r) => (
          <li key={r.id}>
            <span>
              <span class={`badge state-${r.state === 'dead' ? 'exception' : 'queued'}`}>{r.state}</span> #{r.seq}{' '}
              <strong>{r.event_type}</strong>
              <small>
                {' '}
                · {r.attempts} attempts · {r.last_response_code ?? r.last_error ?? '–'} · {when(r.dead_at)}
              </small>
            </span>
            {r.state === 'dead' && (
              <button type="button" onClick={() => void replay(r)}>
                Replay
              </button>
            )}
          </li>
        ))}
        {!rows.length && <li>No dead letters.</li>}
      </ul>
      {dead.length > 1 && (
        <button type="button" onClick={() => void replay(null)}>
          Replay all {dead.length}
        </button>
      )}
    </div>
  )
}
