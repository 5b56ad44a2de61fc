// The supervisor's queues: exceptions (acknowledge, resolve) followed live, and approvals (orders
// held for credit, and whatever else the server asks a supervisor to decide).
import { useEffect, useState } from 'preact/hooks'
import { ApiError, describe, get, newKey, post } from '../lib/api'
import { type Position, subscribe, Versions } from '../lib/live'
import { type Answer, Ask, Message, money, type Note } from '../ui'

interface ExceptionRow {
  id: string
  kind: string
  subject: string
  message: string
  state: string
  raised_by: string
  raised_at: string
  version: number
  resolution?: string | null
}

export function Exceptions({ warehouse }: { warehouse: string }) {
  const [rows, setRows] = useState<Record<string, ExceptionRow>>({})
  const [note, setNote] = useState<Note>(null)
  const [generation, setGeneration] = useState(0)
  const [missing, setMissing] = useState(false)
  useEffect(() => {
    let stop = () => {}
    const versions = new Versions()
    const load = async () => {
      // the position first: subscribing from it misses nothing the list does not show
      const from = await get<Position>(`/api/realtime/warehouses/${warehouse}/position`)
      const list = await get<ExceptionRow[]>(`/api/warehouses/${warehouse}/exceptions?limit=200`)
      for (const e of list) versions.newer('exception', e.id, e.version)
      setRows(Object.fromEntries(list.map((e) => [e.id, e])))
      stop = subscribe(`exceptions:${warehouse}`, {
        from,
        onEvents(events) {
          const fresh = events.filter((e) => versions.newer('exception', e.entity_id, e.entity_version))
          if (fresh.length) setRows((r) => ({ ...r, ...Object.fromEntries(fresh.map((e) => [e.entity_id, e.data as ExceptionRow])) }))
        },
        onReset: () => setGeneration((g) => g + 1),
      })
    }
    load().catch((error) => {
      if (error instanceof ApiError && error.status === 404) setMissing(true)
      else setNote({ kind: 'error', text: describe(error) })
    })
    return () => stop()
  }, [warehouse, generation])

  const [resolving, setResolving] = useState<ExceptionRow | null>(null)
  const act = async (row: ExceptionRow, action: 'acknowledge' | 'resolve', resolution: string | null = null) => {
    try {
      // exception ids hold slashes, so they travel in the body
      const updated = await post<ExceptionRow>(
        `/api/warehouses/${warehouse}/exceptions/${action === 'resolve' ? 'resolutions' : 'acknowledgements'}`,
        action === 'resolve' ? { id: row.id, resolution } : { id: row.id },
        { idempotencyKey: newKey() },
      )
      setRows((r) => ({ ...r, [updated.id]: updated }))
      setNote({ kind: 'ok', text: `${row.kind} ${action === 'resolve' ? 'resolved' : 'acknowledged'}.` })
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    }
  }

  const open = Object.values(rows)
    .filter((r) => r.state !== 'resolved')
    .sort((a, b) => a.raised_at.localeCompare(b.raised_at))
  return (
    <section class="card" aria-labelledby="exceptions-title">
      <h2 id="exceptions-title">Exceptions</h2>
      {missing && <p class="note note-error">This server has no exception queue endpoint yet.</p>}
      <Message note={note} />
      <ul class="rows" data-testid="exceptions">
        {open.map((r) => (
          <li key={r.id}>
            <span>
              <span class={`badge state-${r.state}`}>{r.state}</span> <strong>{r.kind.replace('_', ' ')}</strong> {r.message}
              <small>
                {' '}
                · {r.raised_by} · {new Date(r.raised_at).toLocaleTimeString()}
              </small>
            </span>
            <span class="row">
              {r.state === 'open' && (
                <button type="button" class="secondary" onClick={() => void act(r, 'acknowledge')}>
                  Acknowledge
                </button>
              )}
              <button type="button" onClick={() => setResolving(r)}>
                Resolve
              </button>
            </span>
          </li>
        ))}
        {!open.length && !missing && <li>Nothing waiting.</li>}
      </ul>
      {resolving && (
        <Ask
          title={`Resolve: ${resolving.message}`}
          label="How was it resolved?"
          submit="Resolve"
          required
          onDone={(answer) => {
            const row = resolving
            setResolving(null)
            if (answer?.text) void act(row, 'resolve', answer.text)
          }}
        />
      )}
    </section>
  )
}

interface HeldOrder {
  number: string
  customer_name: string
  status_reason: string | null
  total: { amount: number; currency: string }
}

interface ApprovalRow {
  id: number
  kind: string
  subject: string
  details: Record<string, unknown>
  requested_by: string
  requested_at: string
}

export function Approvals({ warehouse }: { warehouse: string }) {
  const [held, setHeld] = useState<HeldOrder[]>([])
  const [approvals, setApprovals] = useState<ApprovalRow[]>([])
  const [note, setNote] = useState<Note>(null)
  const load = () => {
    get<{ orders: HeldOrder[] }>(`/api/orders?warehouse=${warehouse}&status=on_hold&limit=200`)
      .then((a) => setHeld(a.orders))
      .catch((e) => setNote({ kind: 'error', text: describe(e) }))
    get<ApprovalRow[]>(`/api/warehouses/${warehouse}/approvals`)
      .then(setApprovals)
      .catch((e) => setNote({ kind: 'error', text: describe(e) }))
  }
  useEffect(load, [warehouse])
  const approveOrder = async (order: HeldOrder) => {
    try {
      const answer = await post<{ number: string; status: string }>(`/api/orders/${order.number}/approve`, {}, { idempotencyKey: newKey() })
      setNote({ kind: 'ok', text: `Order ${answer.number} approved: ${answer.status.replace('_', ' ')}.` })
      load()
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    }
  }
  const [deciding, setDeciding] = useState<{ row: ApprovalRow; decision: 'approve' | 'reject' } | null>(null)
  const decide = async (row: ApprovalRow, decision: 'approve' | 'reject', answer: Answer) => {
    try {
      const body = decision === 'reject' ? { note: answer.text, recount: answer.checked } : { note: answer.text }
      await post(`/api/approvals/${row.id}/${decision}`, body, { idempotencyKey: newKey() })
      setNote({ kind: 'ok', text: `${row.kind} ${decision === 'approve' ? 'approved' : 'rejected'}.` })
      load()
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    }
  }
  return (
    <section class="card" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Approvals</h2>
      <Message note={note} />
      <h3>Orders held for credit</h3>
      <ul class="rows" data-testid="held-orders">
        {held.map((o) => (
          <li key={o.number}>
            <span>
              <strong>{o.number}</strong> {o.customer_name} · {money(o.total)}
              {o.status_reason && <small> · {o.status_reason}</small>}
            </span>
            <button type="button" onClick={() => void approveOrder(o)}>
              Approve
            </button>
          </li>
        ))}
        {!held.length && <li>No orders on hold.</li>}
      </ul>
      {approvals.length > 0 && (
        <>
          <h3>Count variances and other decisions</h3>
          <ul class="rows">
            {approvals.map((a) => (
              <li key={a.id}>
                <span>
                  <strong>{a.kind.replace('_', ' ')}</strong> {a.subject} <Details details={a.details} />
                  <small> · {a.requested_by}</small>
                </span>
                <span class="row">
                  <button type="button" onClick={() => setDeciding({ row: a, decision: 'approve' })}>
                    Approve
                  </button>
                  <button type="button" class="secondary" onClick={() => setDeciding({ row: a, decision: 'reject' })}>
                    Reject
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {deciding && (
        <Ask
          title={`${deciding.decision === 'approve' ? 'Approve' : 'Reject'}: ${deciding.row.kind.replace('_', ' ')} ${deciding.row.subject}`}
          label={deciding.decision === 'approve' ? 'Why approve? (kept with the decision)' : 'Why reject?'}
          submit={deciding.decision === 'approve' ? 'Approve' : 'Reject'}
          check={deciding.decision === 'reject' ? 'Order a fresh count' : undefined}
          onDone={(answer) => {
            const { row, decision } = deciding
            setDeciding(null)
            if (answer) void decide(row, decision, answer)
          }}
        />
      )}
    </section>
  )
}

// internal references the decision does not turn on
const UNSHOWN = new Set(['count_result', 'task', 'currency'])

/** An approval's facts; amounts (``*_value`` with the details' currency) in the currency's units. */
function Details({ details }: { details: Record<string, unknown> }) {
  const currency = typeof details.currency === 'string' ? details.currency : null
  const shown = Object.entries(details)
    .filter(([k, v]) => v !== null && v !== '' && typeof v !== 'object' && !UNSHOWN.has(k))
    .slice(0, 6)
    .map(([k, v]) => `${k.replaceAll('_', ' ')} ${currency && k.endsWith('_value') && typeof v === 'number' ? money({ amount: v, currency }) : v}`)
  return <small data-testid="approval-details">{shown.join(' · ')}</small>
}
