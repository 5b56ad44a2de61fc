// The receiver at the dock: open an ASN by scanning it (or one of its pallets), confirm pallets by
// SSCC or lines by item label with lot, expiry, good and damaged counts, close (over/short/damaged
// become exceptions), then put the stock away with guided scans.
import { useEffect, useState } from 'preact/hooks'
import { ApiError, describe, get, NetworkError, post, session } from '../lib/api'
import { fail, ok } from '../lib/feedback'
import { mutate, onSettled } from '../lib/queue'
import { Field, Message, type Note, ScanField, Tabs } from '../ui'
import { Counting } from './counting'
import { WarehousePicker } from './picking-state'

interface Receipt {
  id: number
  number: string
  warehouse: string
  asn: string
  purchase_order: string
  dock: string
  status: string
  blind: boolean
  expected: { sku: string; lot: string | null; qty: number | null }[]
  pallets: { sscc: string; received: boolean }[]
  received: { sku: string; lot: string | null; sscc: string | null; qty: number; damaged_qty: number; damage_reason: string | null; queued?: boolean }[]
  variances?: { kind: string; sku: string; lot: string | null; expected: number; received: number; qty: number }[]
  putaway_tasks?: { id: number; sku: string; qty: number; to_location: string | null }[]
}

interface LineForm {
  item: string
  lot: string
  expires_on: string
  qty: string
  damaged_qty: string
  damage_reason: string
}

const emptyLine = (item: string): LineForm => ({ item, lot: '', expires_on: '', qty: '', damaged_qty: '0', damage_reason: '' })
const SSCC = /^(\(00\)|00)?\d{18}$/

export function Receiver() {
  const user = session.get()!.user
  const [warehouse, setWarehouse] = useState(user.warehouses[0] ?? 'WH1')
  const [tab, setTab] = useState<'receive' | 'putaway' | 'count'>('receive')
  return (
    <div class="receiver">
      <WarehousePicker warehouses={user.warehouses} value={warehouse} onChange={setWarehouse} />
      <Tabs
        tabs={[
          ['receive', 'Receive'],
          ['putaway', 'Putaway'],
          ['count', 'Count'],
        ]}
        current={tab}
        onChange={setTab}
      />
      {tab === 'receive' && <Receive warehouse={warehouse} onPutaway={() => setTab('putaway')} />}
      {tab === 'putaway' && <Putaway warehouse={warehouse} />}
      {tab === 'count' && <Counting key={warehouse} warehouse={warehouse} />}
    </div>
  )
}

function Receive({ warehouse, onPutaway }: { warehouse: string; onPutaway(): void }) {
  const storageKey = `fs.receipt.${warehouse}`
  const [receipt, setReceiptState] = useState<Receipt | null>(() => JSON.parse(localStorage.getItem(storageKey) ?? 'null'))
  const [docks, setDocks] = useState<string[]>([])
  const [dock, setDock] = useState('')
  const [blind, setBlind] = useState(false)
  const [line, setLine] = useState<LineForm | null>(null)
  const [note, setNote] = useState<Note>(null)
  const setReceipt = (value: Receipt | null) => {
    if (value && value.status === 'open') localStorage.setItem(storageKey, JSON.stringify(value))
    else localStorage.removeItem(storageKey)
    setReceiptState(value)
  }

  useEffect(() => {
    get<{ code: string }[]>(`/api/warehouses/${warehouse}/locations?kind=dock`)
      .then((rows) => {
        setDocks(rows.map((r) => r.code))
        setDock((d) => d || rows[0]?.code || '')
      })
      .catch(() => setDocks([]))
  }, [warehouse])

  // lines confirmed offline come back with the receipt as the server has it
  useEffect(
    () =>
      onSettled((settled) => {
        if (settled.kind !== 'receipt.line') return
        if (settled.outcome === 'applied') setReceipt(settled.result as unknown as Receipt)
      }),
    [],
  )

  const done = (text: string) => {
    ok()
    setNote({ kind: 'ok', text })
  }
  const oops = (error: unknown) => {
    fail()
    setNote({ kind: 'error', text: error instanceof ApiError ? error.detail : describe(error) })
  }

  const open = async (scan: string) => {
    try {
      setReceipt(await post<Receipt>(`/api/warehouses/${warehouse}/receipts`, { scan, dock, blind }))
      done(`Receiving ${scan} at ${dock}.`)
    } catch (error) {
      oops(error)
    }
  }

  const confirm = async (body: Record<string, unknown>, label: string) => {
    if (!receipt) return
    try {
      if (!navigator.onLine) throw new NetworkError('offline')
      setReceipt(await post<Receipt>(`/api/warehouses/${warehouse}/receipts/${receipt.id}/lines`, body))
      done(`${label}: received.`)
    } catch (error) {
      if (!(error instanceof NetworkError)) return oops(error)
      await mutate('receipt.line', { warehouse, receipt_id: receipt.id, ...body }, `${label} on ${receipt.number}`)
      const pending = {
        sku: String(body.item ?? 'pallet'),
        lot: (body.lot as string) ?? null,
        sscc: (body.pallet as string) ?? null,
        qty: Number(body.qty ?? 0),
        damaged_qty: Number(body.damaged_qty ?? 0),
        damage_reason: null,
        queued: true,
      }
      setReceipt({ ...receipt, received: [...receipt.received, pending] })
      done(`${label}: queued; sent when the network is back.`)
    }
  }

  const onScan = (value: string) => {
    if (SSCC.test(value.replace(/\s/g, ''))) void confirm({ pallet: value }, `Pallet ${value}`)
    else setLine(emptyLine(value))
  }

  const submitLine = (event: Event) => {
    event.preventDefault()
    if (!line) return
    const body: Record<string, unknown> = {
      item: line.item,
      qty: Number(line.qty || 0),
      damaged_qty: Number(line.damaged_qty || 0),
      ...(line.lot ? { lot: line.lot } : {}),
      ...(line.expires_on ? { expires_on: line.expires_on } : {}),
      ...(line.damage_reason ? { damage_reason: line.damage_reason } : {}),
    }
    setLine(null)
    void confirm(body, `Item ${line.item}`)
  }

  const close = async () => {
    if (!receipt) return
    try {
      const closed = await post<Receipt>(`/api/warehouses/${warehouse}/receipts/${receipt.id}/close`)
      setReceipt(closed)
      done(`Receipt ${closed.number} closed.`)
    } catch (error) {
      oops(error)
    }
  }

  if (!receipt) {
    return (
      <section class="card stack" aria-labelledby="open-title">
        <h2 id="open-title">Open a delivery</h2>
        <Field label="Dock door">
          <select value={dock} onChange={(e) => setDock((e.target as HTMLSelectElement).value)}>
            {docks.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={blind} onChange={(e) => setBlind((e.target as HTMLInputElement).checked)} /> Blind receipt (hide expected quantities)
        </label>
        <ScanField label="Scan the ASN or a pallet SSCC" onScan={(v) => void open(v)} disabled={!dock} />
        <Message note={note} />
      </section>
    )
  }

  const lineField = (name: keyof LineForm, label: string, type: 'text' | 'date' | 'number' = 'text', extra: Record<string, unknown> = {}) => (
    <Field label={label}>
      <input name={name} type={type as "text"} value={line![name]} onInput={(e) => setLine({ ...line!, [name]: (e.target as HTMLInputElement).value })} {...extra} />
    </Field>
  )

  return (
    <>
      <section class="card" aria-labelledby="receipt-title">
        <h2 id="receipt-title">
          {receipt.number} <small>ASN {receipt.asn} · PO {receipt.purchase_order} · {receipt.dock}</small>
        </h2>
        <p>
          Status: <span class={`badge state-${receipt.status}`}>{receipt.status}</span>
        </p>
        {receipt.status === 'open' && !line && <ScanField label="Scan a pallet SSCC or an item label" onScan={onScan} />}
        {line && (
          <form class="stack" onSubmit={submitLine} aria-label="Receive a line">
            <p>
              Item <strong>{line.item}</strong>
            </p>
            {lineField('lot', 'Lot (if not on the label)')}
            {lineField('expires_on', 'Expiry date', 'date')}
            {lineField('qty', 'Good quantity', 'number', { min: 0, inputMode: 'numeric', required: true, autoFocus: true })}
            {lineField('damaged_qty', 'Damaged quantity', 'number', { min: 0, inputMode: 'numeric' })}
            {Number(line.damaged_qty) > 0 && lineField('damage_reason', 'Why damaged', 'text', { required: true })}
            <div class="row">
              <button type="submit" class="big">
                Confirm line
              </button>
              <button type="button" class="secondary" onClick={() => setLine(null)}>
                Cancel
              </button>
            </div>
          </form>
        )}
        <Message note={note} />
        <h3>Expected</h3>
        <ul class="rows">
          {receipt.expected.map((e, i) => (
            <li key={i}>
              <span>
                <strong>{e.sku}</strong> {e.lot && `lot ${e.lot}`}
              </span>
              <span>{e.qty ?? '?'}</span>
            </li>
          ))}
          {receipt.pallets.map((p) => (
            <li key={p.sscc}>
              <span>Pallet {p.sscc}</span>
              <span class={`badge ${p.received ? 'state-done' : ''}`}>{p.received ? 'received' : 'expected'}</span>
            </li>
          ))}
        </ul>
        <h3>Received</h3>
        <ul class="rows" data-testid="received">
          {receipt.received.map((r, i) => (
            <li key={i}>
              <span>
                <strong>{r.sku}</strong> {r.lot && `lot ${r.lot}`} {r.sscc && `· ${r.sscc}`}
              </span>
              <span>
                {r.qty}
                {r.damaged_qty > 0 && ` + ${r.damaged_qty} damaged`} {r.queued && <span class="badge state-queued">queued</span>}
              </span>
            </li>
          ))}
        </ul>
        {receipt.status === 'open' ? (
          <button type="button" class="big" onClick={() => void close()}>
            Close receipt
          </button>
        ) : (
          <Closed receipt={receipt} onPutaway={onPutaway} onNext={() => setReceipt(null)} />
        )}
      </section>
    </>
  )
}

function Closed({ receipt, onPutaway, onNext }: { receipt: Receipt; onPutaway(): void; onNext(): void }) {
  return (
    <div class="stack">
      <h3>Variances</h3>
      {receipt.variances?.length ? (
        <ul class="rows">
          {receipt.variances.map((v, i) => (
            <li key={i}>
              <span>
                <span class="badge state-exception">{v.kind}</span> {v.sku} {v.lot}
              </span>
              <span>
                {v.received} of {v.expected}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p>None: everything arrived as announced.</p>
      )}
      <p>{receipt.putaway_tasks?.length ?? 0} putaway task(s) created.</p>
      <div class="row">
        <button type="button" class="big" onClick={onPutaway}>
          Start putaway
        </button>
        <button type="button" class="secondary" onClick={onNext}>
          Next delivery
        </button>
      </div>
    </div>
  )
}

interface PutawayPrompt {
  step: 'location' | 'item' | 'to_location' | 'confirm_location' | 'done'
  location: string
  sku: string
  description: string
  lot: string | null
  qty: number
  to_location: string | null
  scanned_location: string | null
}

function Putaway({ warehouse }: { warehouse: string }) {
  const [work, setWork] = useState<{ task: { id: number; ref: string }; prompt: PutawayPrompt } | null>(null)
  const [note, setNote] = useState<Note>(null)
  const claim = async () => {
    try {
      const answer = await post<{ task: { id: number; ref: string } | null; prompt: PutawayPrompt | null }>(
        `/api/warehouses/${warehouse}/tasks/next`,
        { kinds: ['putaway'] },
      )
      if (answer.task && answer.prompt) setWork({ task: answer.task, prompt: answer.prompt })
      else setNote({ kind: 'info', text: 'No putaway work right now.' })
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    }
  }
  const scan = async (value: string) => {
    if (!work) return
    try {
      const answer = await post<{ task: { id: number; ref: string }; prompt: PutawayPrompt }>(
        `/api/warehouses/${warehouse}/tasks/${work.task.id}/scans`,
        { scan: value },
      )
      ok()
      if (answer.prompt.step === 'done') {
        setWork(null)
        setNote({ kind: 'ok', text: `Put away ${work.prompt.qty} × ${work.prompt.sku}.` })
      } else {
        setWork(answer)
        setNote({ kind: 'ok', text: 'OK' })
      }
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: describe(error) })
    }
  }
  const labels: Record<string, string> = {
    location: 'Scan the dock location',
    item: 'Scan the item',
    to_location: 'Scan the destination bin',
    confirm_location: 'Another bin than suggested: scan it again to confirm',
  }
  return (
    <section class="card" aria-labelledby="putaway-title">
      <h2 id="putaway-title">Putaway</h2>
      {!work ? (
        <button type="button" class="big" onClick={() => void claim()}>
          Next putaway
        </button>
      ) : (
        <>
          <dl class="facts">
            <dt>From</dt>
            <dd data-testid="from-location">{work.prompt.location}</dd>
            <dt>Item</dt>
            <dd>
              <strong>{work.prompt.sku}</strong> {work.prompt.description} {work.prompt.lot && <span class="badge">lot {work.prompt.lot}</span>}
            </dd>
            <dt>Quantity</dt>
            <dd class="huge">{work.prompt.qty}</dd>
            <dt>To</dt>
            <dd class="huge" data-testid="to-location">{work.prompt.to_location}</dd>
          </dl>
          <ScanField label={labels[work.prompt.step] ?? 'Scan'} onScan={(v) => void scan(v)} />
        </>
      )}
      <Message note={note} />
    </section>
  )
}
