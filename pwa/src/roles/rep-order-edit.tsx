// A rep changes or cancels an order on the tablet. What may still change is the server's rule,
// sent with the order (can_change, can_cancel) and kept live by the orders list; a refusal (the
// warehouse got there first) is told in plain words. Offline, the change waits in the device's
// queue with its idempotency key and the server decides when it arrives.
import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, describe, get, NetworkError, newKey } from '../lib/api'
import { onSettled, queueCommand } from '../lib/queue'
import { Message, money, type Note } from '../ui'
import './screens.css'

export interface EditableOrder {
  number: string
  customer_name: string
  status: string
  status_reason: string | null
  can_change?: boolean
  can_cancel?: boolean
  total: { amount: number; currency: string }
  version: number
  lines: { line_no: number; sku: string; description?: string; qty: number; allocated: number; backordered: number; cancelled?: boolean }[]
}

// how a rep would say where an order stands
const STATUS_WORDS: Record<string, string> = {
  draft: 'being placed',
  on_hold: 'on hold',
  allocated: 'reserved in the warehouse',
  partially_allocated: 'partly reserved',
  backordered: 'waiting for stock',
  released: 'released to the warehouse floor',
  picking: 'being picked',
  picked: 'picked and waiting to ship',
  shipped: 'shipped',
  cancelled: 'cancelled',
}
// refusals that mean "the warehouse got there first"
const TOO_LATE = new Set(['order.not_changeable', 'order.invalid_transition', 'order.not_deallocatable'])

// what each queued change was for (by idempotency key), to word its outcome when it settles
const waiting = new Map<string, string>()

export const statusWords = (status: string) => STATUS_WORDS[status] ?? status.replace('_', ' ')

/** What the order's status still allows, in words; null when everything may still change. */
export function limits(order: EditableOrder): string | null {
  if (order.can_change) return null
  const where = `Order ${order.number} is ${statusWords(order.status)}`
  return order.can_cancel ? `${where}: its lines can no longer change, but it can still be cancelled.` : `${where}: it can no longer change or be cancelled.`
}

function refusal(code: string, detail: string, order: EditableOrder, what: string): string {
  if (TOO_LATE.has(code)) {
    return `Too late to ${what}: the warehouse has started on order ${order.number}. Call the warehouse if it must still change.`
  }
  return detail
}

export function OrderEdit({ order, onChanged, onClose }: { order: EditableOrder; onChanged(order: EditableOrder): void; onClose(): void }) {
  const [qty, setQty] = useState<Record<number, string>>({})
  const [confirming, setConfirming] = useState(false)
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const path = `/api/orders/${encodeURIComponent(order.number)}`
  const open = order.lines.filter((l) => !l.cancelled)
  const reread = () => get<EditableOrder>(path).then(onChanged).catch(() => undefined)

  // a change queued offline is decided when it arrives: say what became of it here too
  useEffect(
    () =>
      onSettled((settled) => {
        if (!settled.kind.startsWith(`${path}/`)) return
        const what = waiting.get(settled.ref) ?? 'change the order'
        waiting.delete(settled.ref)
        if (settled.outcome === 'applied') {
          onChanged(settled.result as unknown as EditableOrder)
          setNote({ kind: 'ok', text: `Order ${order.number}: ${what} done.` })
        } else {
          setNote({ kind: 'error', text: refusal(String(settled.result.code), String(settled.result.detail), order, what) })
          void reread()
        }
      }),
    [order.number],
  )

  /** Send a change; offline it is queued. A refusal re-reads the order, so the screen shows why. */
  const send = async (method: string, url: string, body: unknown, what: string, label: string) => {
    setBusy(true)
    const key = newKey() // the same key on a resend: the server applies the change once
    try {
      if (!navigator.onLine) throw new NetworkError('offline')
      onChanged(await api<EditableOrder>(method, url, body, { idempotencyKey: key }))
      setQty({})
      setNote({ kind: 'ok', text: `Order ${order.number}: ${what} done.` })
    } catch (error) {
      if (error instanceof NetworkError) {
        waiting.set(key, what)
        await queueCommand(method, url, body, label, key)
        setNote({ kind: 'info', text: `Offline: "${label}" is saved on this device and sent when the network is back.` })
      } else {
        const code = error instanceof ApiError ? error.code : ''
        setNote({ kind: 'error', text: refusal(code, describe(error), order, what) })
        await reread()
      }
    } finally {
      setBusy(false)
      setConfirming(false)
    }
  }

  const limit = limits(order)
  return (
    <section class="card order-edit" aria-labelledby="edit-title" data-testid="order-edit" data-order={order.number}>
      <h2 id="edit-title">
        Order {order.number} <small>{order.customer_name}</small>
      </h2>
      <p>
        <span class={`badge state-${order.status}`} data-testid="edit-status">{statusWords(order.status)}</span> · {money(order.total)}
      </p>
      {limit && <p class="note note-info" data-testid="edit-limits">{limit}</p>}
      <ul class="rows">
        {open.map((l) => (
          <li key={l.line_no} data-line={l.line_no}>
            <span>
              <strong>{l.sku}</strong> {l.description} <small>· {l.allocated} reserved{l.backordered ? `, ${l.backordered} backordered` : ''}</small>
            </span>
            <label>
              <span class="sr-only">New quantity of {l.sku}</span>
              <input
                type="number"
                class="qty"
                min={0}
                inputMode="numeric"
                disabled={!order.can_change || busy}
                value={qty[l.line_no] ?? String(l.qty)}
                onInput={(e) => setQty({ ...qty, [l.line_no]: (e.target as HTMLInputElement).value })}
              />
            </label>
            <button
              type="button"
              disabled={!order.can_change || busy || qty[l.line_no] === undefined || Number(qty[l.line_no]) === l.qty || !/^\d+$/.test(qty[l.line_no] ?? '')}
              onClick={() => {
                const n = Number(qty[l.line_no])
                const what = n === 0 ? `remove ${l.sku}` : `change ${l.sku} to ${n}`
                void send('PATCH', `${path}/lines/${l.line_no}`, { qty: n }, what, `Order ${order.number}: ${what}`)
              }}
            >
              {Number(qty[l.line_no]) === 0 && qty[l.line_no] !== undefined && qty[l.line_no] !== '' ? 'Remove line' : 'Save'}
            </button>
          </li>
        ))}
      </ul>
      <Message note={note} />
      <div class="row wrap">
        {!confirming ? (
          <button type="button" class="secondary" disabled={!order.can_cancel || busy} onClick={() => setConfirming(true)}>
            Cancel order
          </button>
        ) : (
          <div role="alertdialog" aria-labelledby="cancel-q" class="confirm">
            <p id="cancel-q">Cancel order {order.number}? Its reserved stock goes back on sale.</p>
            <div class="row">
              <button type="button" onClick={() => void send('POST', `${path}/cancel`, {}, 'cancel the order', `Cancel order ${order.number}`)} autoFocus>
                Yes, cancel the order
              </button>
              <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                Keep the order
              </button>
            </div>
          </div>
        )}
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  )
}
