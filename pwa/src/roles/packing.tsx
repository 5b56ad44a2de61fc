// Packing and ship-confirm on the handheld. Pack: scan a tote (or the order number), then the
// order's other totes going into the same carton or pallet, then close the unit: the server labels
// it with a new SSCC, shown here to print. Ship (supervisors): scan each unit's SSCC as it is
// loaded; once every unit of an order is on board, confirm the shipment. Both need the network:
// the server numbers the SSCCs and ships from its stock, and has no offline intent for either.
import { useEffect, useState } from 'preact/hooks'
import { describe, get, post, session } from '../lib/api'
import { fail, ok } from '../lib/feedback'
import { plainError, sync } from '../lib/queue'
import { useStore } from '../lib/store'
import { Field, Message, type Note, ScanField } from '../ui'
import { LocalRefusal, Steps } from './guided'
import { SsccLabel } from './sscc-label'
import './screens.css'

interface ToPack {
  number: string
  customer_name: string
  carrier: string | null
  totes: string[]
  unpacked_totes: string[]
  units: { sscc: string; totes: string[] }[]
}

interface Packed {
  sscc: string
  order: string
  totes: string[]
  unpacked_totes: string[]
}

const same = (a: string, b: string) => a.trim().toUpperCase() === b.trim().toUpperCase()

/** An SSCC from a scan: 18 digits, or the GS1-128 element string "00" + 18 digits (with or without brackets). */
export function ssccOf(scan: string): string {
  const digits = scan.replace(/\D/g, '')
  return digits.length === 20 && digits.startsWith('00') ? digits.slice(2) : digits
}

function useWorklist(warehouse: string): [ToPack[] | null, () => Promise<ToPack[]>, string | null] {
  const [orders, setOrders] = useState<ToPack[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const reload = async () => {
    const fresh = await get<ToPack[]>(`/api/warehouses/${warehouse}/packing`)
    setOrders(fresh)
    setError(null)
    return fresh
  }
  useEffect(() => {
    reload().catch((e) => setError(describe(e)))
  }, [warehouse])
  return [orders, reload, error]
}

export function PackShip({ warehouse }: { warehouse: string }) {
  const roles = session.get()!.user.roles
  const ships = roles.includes('supervisor') || roles.includes('admin')
  const [tab, setTab] = useState<'pack' | 'ship'>('pack')
  if (!ships) return <Packing warehouse={warehouse} />
  return (
    <>
      {/* a switch inside the floor app's tabs: a group, not a second "Sections" landmark */}
      <div class="tabs" role="group" aria-label="Pack or ship">
        {(['pack', 'ship'] as const).map((t) => (
          <button type="button" key={t} aria-pressed={tab === t} onClick={() => setTab(t)}>
            {t === 'pack' ? 'Pack' : 'Ship'}
          </button>
        ))}
      </div>
      {tab === 'pack' ? <Packing warehouse={warehouse} /> : <Shipping warehouse={warehouse} />}
    </>
  )
}

function Packing({ warehouse }: { warehouse: string }) {
  const [orders, reload, error] = useWorklist(warehouse)
  const [order, setOrder] = useState<ToPack | null>(null)
  const [unit, setUnit] = useState<string[]>([])
  const [label, setLabel] = useState<(Packed & { customer: string }) | null>(null)
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const online = useStore(sync).online

  const refuse = (text: string) => {
    fail()
    setNote({ kind: 'error', text })
  }

  const scan = async (value: string) => {
    try {
      let current = order
      if (!current) {
        const list = await reload() // the bench's list moves as pickers finish
        const byNumber = list.find((o) => same(o.number, value))
        current = byNumber ?? list.find((o) => o.totes.some((t) => same(t, value))) ?? null
        if (!current) throw new LocalRefusal(`${value} is no tote or order waiting to be packed.`)
        if (!current.unpacked_totes.length) throw new LocalRefusal(`Every tote of order ${current.number} is packed.`)
        setOrder(current)
        setLabel(null)
        if (byNumber) {
          setNote({ kind: 'ok', text: `Order ${current.number}: scan its totes.` })
          return ok()
        }
      }
      const tote = current.totes.find((t) => same(t, value))
      if (!tote) throw new LocalRefusal(`Tote ${value} holds nothing of order ${current.number}.`)
      if (!current.unpacked_totes.includes(tote)) throw new LocalRefusal(`Tote ${tote} is packed already.`)
      if (unit.includes(tote)) throw new LocalRefusal(`Tote ${tote} is in this unit already.`)
      setUnit([...unit, tote])
      setNote({ kind: 'ok', text: `Tote ${tote} in the unit.` })
      ok()
    } catch (e) {
      refuse(plainError(e))
    }
  }

  const close = async () => {
    if (!order || !unit.length) return
    setBusy(true)
    try {
      const packed = await post<Packed>(`/api/warehouses/${warehouse}/orders/${encodeURIComponent(order.number)}/pack`, { totes: unit })
      setLabel({ ...packed, customer: order.customer_name })
      setUnit([])
      const left = packed.unpacked_totes.length
      setNote({ kind: 'ok', text: left ? `Unit labelled. ${left} tote(s) of ${order.number} still to pack.` : `Order ${order.number} is packed.` })
      setOrder(left ? { ...order, unpacked_totes: packed.unpacked_totes } : null)
      void reload().catch(() => undefined)
      ok()
    } catch (e) {
      refuse(describe(e))
    } finally {
      setBusy(false)
    }
  }

  const step = !order ? 'order' : unit.length ? 'close' : 'tote'
  return (
    <div class="packing">
      {/* the label first: right after a unit is closed, printing it is the next thing to do */}
      {label && (
        <section class="card printable" aria-labelledby="label-title">
          <h2 id="label-title">Shipping label</h2>
          <SsccLabel sscc={label.sscc} order={label.order} totes={label.totes} customer={label.customer} />
          <button type="button" class="big secondary" onClick={() => window.print()}>
            Print label
          </button>
        </section>
      )}
      <section class="card pick" aria-labelledby="pack-title" data-testid="pack-step" data-step={step}>
        <h2 id="pack-title">{order ? `Pack order ${order.number}` : 'Pack'}</h2>
        <Steps steps={[['order', 'Order'], ['tote', 'Totes'], ['close', 'Label']]} now={step} />
        {order && (
          <dl class="facts">
            <dt>Customer</dt>
            <dd>{order.customer_name}</dd>
            <dt>To pack</dt>
            <dd data-testid="unpacked">{order.unpacked_totes.filter((t) => !unit.includes(t)).join(', ') || '–'}</dd>
            <dt>This unit</dt>
            <dd class="huge" data-testid="unit">{unit.join(', ') || '–'}</dd>
          </dl>
        )}
        {!online ? (
          <p class="note note-info" role="status">No network: packing continues when the device is back online.</p>
        ) : (
          <ScanField label={order ? 'Scan a tote for this unit' : 'Scan a tote or the order number'} onScan={(v) => void scan(v)} />
        )}
        {order && (
          <div class="row">
            <button type="button" class="big" disabled={!unit.length || busy || !online} onClick={() => void close()} data-testid="close-unit">
              Close unit and label it
            </button>
            <button type="button" class="secondary" onClick={() => { setOrder(null); setUnit([]); setNote(null) }}>
              Other order
            </button>
          </div>
        )}
      </section>
      <Message note={note} />
      {error && <p class="note note-error" role="alert">{error}</p>}
      {!order && orders && (
        <section class="card" aria-labelledby="bench-title">
          <h2 id="bench-title">Waiting to be packed</h2>
          <ul class="rows" data-testid="to-pack">
            {orders.filter((o) => o.unpacked_totes.length).map((o) => (
              <li key={o.number}>
                <span>
                  <strong>{o.number}</strong> {o.customer_name}
                </span>
                <span>totes {o.unpacked_totes.join(', ')}</span>
              </li>
            ))}
            {!orders.some((o) => o.unpacked_totes.length) && <li>Nothing to pack.</li>}
          </ul>
        </section>
      )}
    </div>
  )
}

function Shipping({ warehouse }: { warehouse: string }) {
  const [orders, reload, error] = useWorklist(warehouse)
  const [loaded, setLoaded] = useState<string[]>([])
  const [carrier, setCarrier] = useState('')
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const online = useStore(sync).online
  const ready = (orders ?? []).filter((o) => !o.unpacked_totes.length && o.units.length)
  const complete = ready.filter((o) => o.units.every((u) => loaded.includes(u.sscc)))

  const scan = (value: string) => {
    const sscc = ssccOf(value)
    const owner = ready.find((o) => o.units.some((u) => u.sscc === sscc))
    if (!owner) {
      fail()
      return setNote({ kind: 'error', text: `${value} is no packed unit waiting to ship.` })
    }
    if (!loaded.includes(sscc)) setLoaded([...loaded, sscc])
    const left = owner.units.filter((u) => u.sscc !== sscc && !loaded.includes(u.sscc)).length
    setNote({ kind: 'ok', text: left ? `Loaded for ${owner.number}; ${left} unit(s) of it to go.` : `Order ${owner.number} is fully loaded.` })
    ok()
  }

  const confirm = async () => {
    if (!complete.length) return
    setBusy(true)
    try {
      const shipment = await post<{ id: string; orders: { number: string }[] }>(`/api/warehouses/${warehouse}/shipments`, {
        orders: complete.map((o) => o.number),
        carrier: carrier.trim() || null,
      })
      setNote({ kind: 'ok', text: `Shipment ${shipment.id} confirmed: ${shipment.orders.map((o) => o.number).join(', ')}.` })
      setLoaded([])
      await reload()
      ok()
    } catch (e) {
      fail()
      setNote({ kind: 'error', text: describe(e) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="shipping">
      <section class="card pick" aria-labelledby="ship-title" data-testid="ship-step">
        <h2 id="ship-title">Load and ship</h2>
        {!online ? (
          <p class="note note-info" role="status">No network: ship-confirm continues when the device is back online.</p>
        ) : (
          <ScanField label="Scan each unit's SSCC as it is loaded" onScan={scan} />
        )}
        <Field label="Carrier (optional)">
          <input value={carrier} onInput={(e) => setCarrier((e.target as HTMLInputElement).value)} maxLength={32} />
        </Field>
        <button type="button" class="big" disabled={!complete.length || busy || !online} onClick={() => void confirm()} data-testid="confirm-shipment">
          {complete.length ? `Confirm shipment of ${complete.length} order${complete.length === 1 ? '' : 's'}` : 'Load every unit of an order'}
        </button>
      </section>
      <Message note={note} />
      {error && <p class="note note-error" role="alert">{error}</p>}
      <section class="card" aria-labelledby="dock-title">
        <h2 id="dock-title">Packed, waiting to ship</h2>
        <ul class="rows" data-testid="to-ship">
          {ready.map((o) => (
            <li key={o.number} data-order={o.number}>
              <span>
                <strong>{o.number}</strong> {o.customer_name}
              </span>
              <span class={`badge ${complete.includes(o) ? 'state-done' : ''}`}>
                {o.units.filter((u) => loaded.includes(u.sscc)).length} of {o.units.length} loaded
              </span>
            </li>
          ))}
          {orders && !ready.length && <li>Nothing packed to ship.</li>}
        </ul>
      </section>
    </div>
  )
}
