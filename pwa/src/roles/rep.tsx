// The field rep on a tablet: catalog search with live ATP, ATP per warehouse with inbound dates,
// customers with prices and credit, a cart that becomes an order (queued when offline, sent later
// with its idempotency key) and the rep's orders with live status.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, describe, get, NetworkError, newKey, post, session } from '../lib/api'
import { type LiveEvent, type Position, subscribe, Versions } from '../lib/live'
import { asOf, fetchOrKept, type Kept } from '../lib/offline-cache'
import { onSettled, queueCommand, queuedCommands, sync } from '../lib/queue'
import { useStore } from '../lib/store'
import { Field, Message, money, type Note, Tabs } from '../ui'
import { WarehousePicker } from './picking-state'
import { type EditableOrder, OrderEdit } from './rep-order-edit'

interface Bucket {
  date: string
  inbound: number
  demand: number
  projected: number
  promisable: number
}
interface Atp {
  available_now: number
  quarantined: number
  damaged: number
  on_hand: number
  allocated: number
  buckets: Bucket[]
}
interface CatalogItem {
  sku: string
  description: string
  gtins: string[]
  available_now: number
  promisable_now: number
  next_inbound: string | null
  kept_at?: string // offline: when this was fetched
}
interface CatalogPage {
  items: CatalogItem[]
  total: number
  as_of: Position | null // null: read from the device while offline
}

/** Offline search over what the device kept: the same fields the server searches. */
function matching<T>(records: Record<string, Kept<T>>, q: string, fields: (value: T) => string[]): (T & { kept_at: string })[] {
  const needle = q.trim().toLowerCase()
  return Object.entries(records)
    .sort(([a], [b]) => a.localeCompare(b))
    .filter(([, k]) => !needle || fields(k.value).some((f) => f.toLowerCase().includes(needle)))
    .map(([, k]) => ({ ...k.value, kept_at: k.at }))
}
interface Customer {
  code: string
  name: string
  priority_tier: number
  price_list: string | null
  min_shelf_life_days: number | null
  credit: { limit: number; open_orders: number; available: number; currency: string; status: string }
  kept_at?: string
}
interface Price {
  sku: string
  unit_price: { amount: number; currency: string }
  agreed: boolean
}
interface Order {
  number: string
  warehouse: string
  customer: string
  customer_name: string
  status: string
  status_reason: string | null
  total: { amount: number; currency: string }
  version: number
  created_at: string
  lines: { line_no: number; sku: string; qty: number; allocated: number; backordered: number }[]
  can_change?: boolean // the server's rule for what may still change
  can_cancel?: boolean
}
const changeable = (o: Order) => Boolean(o.can_change || o.can_cancel)
interface CartLine {
  sku: string
  description: string
  qty: number
}

function summary(atp: Atp) {
  return {
    available_now: atp.available_now,
    promisable_now: atp.buckets[0]?.promisable ?? atp.available_now,
    next_inbound: atp.buckets.find((b) => b.inbound > 0)?.date ?? null,
  }
}

function persisted<T>(key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      return (JSON.parse(localStorage.getItem(key) ?? 'null') as T | null) ?? initial
    } catch {
      return initial
    }
  })
  return [
    value,
    (next: T) => {
      localStorage.setItem(key, JSON.stringify(next))
      setValue(next)
    },
  ]
}

export function Rep() {
  const user = session.get()!.user
  const [warehouse, setWarehouse] = persisted('fs.rep.warehouse', user.warehouses[0] ?? 'WH1')
  const [tab, setTab] = useState<'catalog' | 'customer' | 'cart' | 'orders'>('catalog')
  const [customer, setCustomer] = persisted<Customer | null>(`fs.rep.customer.${user.username}`, null)
  const [cart, setCart] = persisted<CartLine[]>(`fs.rep.cart.${user.username}`, [])
  const [prices, setPrices] = useState<Record<string, Price>>({})
  const add = (item: { sku: string; description: string }, qty: number) => {
    const existing = cart.find((l) => l.sku === item.sku)
    setCart(existing ? cart.map((l) => (l.sku === item.sku ? { ...l, qty: l.qty + qty } : l)) : [...cart, { ...item, qty }])
  }
  const wanted = useMemo(() => cart.map((l) => l.sku), [cart])
  const loadPrices = (skus: string[]) => {
    if (!customer || !skus.length) return
    const query = skus.map((s) => `sku=${encodeURIComponent(s)}`).join('&')
    fetchOrKept<Price[], Price>(`prices:${customer.code}`, () => get<Price[]>(`/api/customers/${encodeURIComponent(customer.code)}/prices?${query}`), {
      records: (rows) => Object.fromEntries(rows.map((r) => [r.sku, r])),
      fallback: (k) => skus.filter((sku) => k[sku]).map((sku) => k[sku].value),
    })
      .then(({ answer }) => setPrices((p) => ({ ...p, ...Object.fromEntries(answer.map((r) => [r.sku, r])) })))
      .catch(() => undefined)
  }
  useEffect(() => loadPrices(wanted), [customer?.code, wanted.join()])
  return (
    <div class="rep">
      <div class="row wrap">
        <WarehousePicker warehouses={user.warehouses} value={warehouse} onChange={setWarehouse} />
        <p class="customer-line">
          Customer: <strong>{customer ? `${customer.name} (${customer.code})` : 'none chosen'}</strong>
        </p>
      </div>
      <Tabs
        tabs={[
          ['catalog', 'Catalog'],
          ['customer', 'Customer'],
          ['cart', `Cart (${cart.length})`],
          ['orders', 'Orders'],
        ]}
        current={tab}
        onChange={setTab}
      />
      {tab === 'catalog' && <Catalog warehouse={warehouse} warehouses={user.warehouses} onAdd={add} prices={prices} onPage={loadPrices} />}
      {tab === 'customer' && <Customers chosen={customer} onChoose={(c) => { setCustomer(c); setPrices({}) }} />}
      {tab === 'cart' && (
        <Cart warehouse={warehouse} customer={customer} cart={cart} prices={prices} onChange={setCart} onPlaced={() => setTab('orders')} />
      )}
      {tab === 'orders' && <Orders warehouse={warehouse} />}
    </div>
  )
}

function Catalog({ warehouse, warehouses, onAdd, prices, onPage }: {
  warehouse: string
  warehouses: string[]
  onAdd(item: CatalogItem, qty: number): void
  prices: Record<string, Price>
  onPage(skus: string[]): void
}) {
  const [q, setQ] = useState(() => sessionStorage.getItem('fs.rep.q') ?? '')
  const [page, setPage] = useState<CatalogPage | null>(null)
  const [live, setLive] = useState<Record<string, Atp>>({})
  const [detail, setDetail] = useState<CatalogItem | null>(null)
  const [note, setNote] = useState<Note>(null)
  const [generation, setGeneration] = useState(0) // bumped on `reset`: refetch the page
  const online = useStore(sync).online

  useEffect(() => {
    sessionStorage.setItem('fs.rep.q', q)
    // type-ahead: wait for a pause in typing before asking the server
    const timer = setTimeout(() => {
      fetchOrKept<CatalogPage, CatalogItem>(
        `catalog:${warehouse}`,
        () => get<CatalogPage>(`/api/warehouses/${warehouse}/catalog?limit=25&q=${encodeURIComponent(q.trim())}`),
        {
          records: (answer) => Object.fromEntries(answer.items.map((i) => [i.sku, i])),
          fallback: (k) => {
            const items = matching(k, q, (i) => [i.sku, i.description, ...i.gtins])
            return { items: items.slice(0, 25), total: items.length, as_of: null }
          },
        },
      )
        .then(({ answer }) => {
          setPage(answer)
          setLive({})
          setNote(null)
          onPage(answer.items.map((i) => i.sku))
        })
        .catch((error) => setNote({ kind: 'error', text: describe(error) }))
    }, 250)
    return () => clearTimeout(timer)
  }, [q, warehouse, generation, online])

  useEffect(() => {
    if (!page?.items.length || !page.as_of) return
    const versions = new Versions()
    return subscribe(`atp:${warehouse}`, {
      skus: page.items.map((i) => i.sku),
      from: page.as_of,
      onEvents(events: LiveEvent[]) {
        const changes: Record<string, Atp> = {}
        for (const e of events) {
          if (e.type === 'stock.changed' && versions.newer('atp', e.entity_id, e.entity_version)) changes[e.data.sku] = e.data.atp
        }
        setLive((current) => ({ ...current, ...changes }))
      },
      onReset: () => setGeneration((g) => g + 1),
    })
  }, [page])

  return (
    <section class="card" aria-labelledby="catalog-title">
      <h2 id="catalog-title">Catalog</h2>
      <Field label="Search by SKU, GTIN or text">
        <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} data-testid="catalog-search" />
      </Field>
      <Message note={note} />
      {page && (
        <p class="hint">
          {page.total} item(s){!page.as_of && ' kept on this device: offline, availability is as of when it was last seen'}
        </p>
      )}
      <ul class="items" data-testid="catalog">
        {page?.items.map((item) => {
          const now = live[item.sku] ? { ...item, ...summary(live[item.sku]) } : item
          return (
            <li key={item.sku} data-sku={item.sku}>
              <button type="button" class="item-button" onClick={() => setDetail(item)}>
                <strong>{item.sku}</strong> <span>{item.description}</span>
                <span class="sr-only">: availability per warehouse</span>
              </button>
              <span class="atp">
                <span class="num" data-testid="available">{now.available_now}</span> available
                {now.next_inbound && <small> · inbound {now.next_inbound}</small>}
                {now.kept_at && <small class="as-of" data-testid="as-of"> · as of {asOf(now.kept_at)}</small>}
              </span>
              {prices[item.sku] && <span class="price">{money(prices[item.sku].unit_price)}</span>}
              <button type="button" onClick={() => onAdd(item, 1)} aria-label={`Add ${item.sku} to the cart`}>
                Add
              </button>
            </li>
          )
        })}
      </ul>
      {detail && <ItemDetail item={detail} warehouse={warehouse} warehouses={warehouses} current={live[detail.sku]} onClose={() => setDetail(null)} />}
    </section>
  )
}

/** ATP of one item in every warehouse the rep sells from, with inbound dates, live. The shown
 * warehouse's events come from the catalog's subscription (`current`); the others are followed here. */
function ItemDetail({ item, warehouse, warehouses, current, onClose }: {
  item: CatalogItem
  warehouse: string
  warehouses: string[]
  current: Atp | undefined
  onClose(): void
}) {
  const [atps, setAtps] = useState<Record<string, Atp>>({})
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    if (current) setAtps((a) => ({ ...a, [warehouse]: current }))
  }, [current])
  useEffect(() => {
    const stops: (() => void)[] = []
    const versions = new Versions()
    for (const wh of warehouses) {
      get<{ atp: Atp; as_of: Position }>(`/api/warehouses/${wh}/atp/${encodeURIComponent(item.sku)}`)
        .then((answer) => {
          setAtps((a) => ({ ...a, [wh]: answer.atp }))
          if (wh === warehouse) return
          stops.push(
            subscribe(`atp:${wh}`, {
              skus: [item.sku],
              from: answer.as_of,
              onEvents(events) {
                for (const e of events) {
                  if (e.type === 'stock.changed' && versions.newer('atp', `${wh}:${e.entity_id}`, e.entity_version)) {
                    setAtps((a) => ({ ...a, [wh]: e.data.atp }))
                  }
                }
              },
              onReset: () => undefined,
            }),
          )
        })
        .catch((e) => setError(describe(e)))
    }
    return () => stops.forEach((stop) => stop())
  }, [item.sku, warehouse])
  return (
    <div class="detail" role="dialog" aria-modal="true" aria-labelledby="detail-title">
      <h3 id="detail-title">
        {item.sku} {item.description}
      </h3>
      {error && <p role="alert">{error}</p>}
      {warehouses.map((wh) => {
        const atp = atps[wh]
        return (
          <div key={wh} class="atp-wh" data-testid={`atp-${wh}`}>
            <h4>{wh}</h4>
            {!atp ? (
              <p>Loading…</p>
            ) : (
              <>
                <p>
                  <span class="num">{atp.available_now}</span> available now · {atp.quarantined} quarantined · {atp.damaged} damaged
                </p>
                <ul class="rows">
                  {atp.buckets
                    .filter((b) => b.inbound > 0)
                    .map((b) => (
                      <li key={b.date}>
                        <span>Inbound {b.date}</span>
                        <span>
                          +{b.inbound} (promisable {b.promisable})
                        </span>
                      </li>
                    ))}
                </ul>
              </>
            )}
          </div>
        )
      })}
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </div>
  )
}

function Customers({ chosen, onChoose }: { chosen: Customer | null; onChoose(c: Customer): void }) {
  const [q, setQ] = useState('')
  const [rows, setRows] = useState<Customer[]>([])
  const [note, setNote] = useState<Note>(null)
  useEffect(() => {
    const timer = setTimeout(() => {
      fetchOrKept<Customer[], Customer>(
        'customers',
        () => get<Customer[]>(`/api/customers?limit=50${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ''}`),
        {
          records: (r) => Object.fromEntries(r.map((c) => [c.code, c])),
          fallback: (k) => matching(k, q, (c) => [c.code, c.name]).slice(0, 50),
        },
      )
        .then(({ answer }) => {
          setRows(answer)
          setNote(null)
        })
        .catch((e) => setNote({ kind: 'error', text: describe(e) }))
    }, 250)
    return () => clearTimeout(timer)
  }, [q])
  return (
    <section class="card" aria-labelledby="customers-title">
      <h2 id="customers-title">Customers</h2>
      <Field label="Search customers">
        <input type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </Field>
      <Message note={note} />
      <ul class="rows">
        {rows.map((c) => (
          <li key={c.code} class={chosen?.code === c.code ? 'current' : ''}>
            <span>
              <strong>{c.name}</strong> {c.code} · tier {c.priority_tier}
              {c.price_list && ` · list ${c.price_list}`}
            </span>
            <span class={`badge credit-${c.credit.status}`}>
              credit {c.credit.status}: {money({ amount: c.credit.available, currency: c.credit.currency })} of{' '}
              {money({ amount: c.credit.limit, currency: c.credit.currency })}
              {c.kept_at && ` (as of ${asOf(c.kept_at)})`}
            </span>
            <button type="button" onClick={() => onChoose(c)} aria-pressed={chosen?.code === c.code}>
              {chosen?.code === c.code ? 'Chosen' : 'Choose'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

function Cart({ warehouse, customer, cart, prices, onChange, onPlaced }: {
  warehouse: string
  customer: Customer | null
  cart: CartLine[]
  prices: Record<string, Price>
  onChange(cart: CartLine[]): void
  onPlaced(): void
}) {
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const total = cart.reduce((sum, l) => sum + (prices[l.sku]?.unit_price.amount ?? 0) * l.qty, 0)
  const currency = customer?.credit.currency ?? 'EUR'
  const place = async () => {
    if (!customer || !cart.length) return
    const body = { customer: customer.code, warehouse, lines: cart.map((l) => ({ sku: l.sku, qty: l.qty })) }
    const key = newKey() // the same key on every resend: the server places the order once
    const label = `Order for ${customer.name}: ${cart.length} line(s)`
    setBusy(true)
    try {
      if (!navigator.onLine) throw new NetworkError('offline')
      const order = await post<Order>('/api/orders', body, { idempotencyKey: key })
      setNote({ kind: 'ok', text: `Order ${order.number} placed: ${order.status}.` })
      onChange([])
      onPlaced()
    } catch (error) {
      if (error instanceof NetworkError) {
        await queueCommand('POST', '/api/orders', body, label, key)
        onChange([])
        setNote({ kind: 'ok', text: 'Offline: the order is saved on this device and sent when the network is back.' })
        onPlaced()
      } else setNote({ kind: 'error', text: error instanceof ApiError ? error.detail : describe(error) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="card" aria-labelledby="cart-title">
      <h2 id="cart-title">Cart</h2>
      {!customer && <p class="note note-error">Choose a customer first (Customer tab).</p>}
      {customer && (
        <p>
          Credit: <span class={`badge credit-${customer.credit.status}`}>{customer.credit.status}</span>{' '}
          {money({ amount: customer.credit.available, currency: customer.credit.currency })} left
        </p>
      )}
      <ul class="rows">
        {cart.map((l) => (
          <li key={l.sku}>
            <span>
              <strong>{l.sku}</strong> {l.description}
            </span>
            <label>
              <span class="sr-only">Quantity of {l.sku}</span>
              <input
                type="number"
                min={0}
                inputMode="numeric"
                value={l.qty}
                class="qty"
                onChange={(e) => {
                  const qty = Number((e.target as HTMLInputElement).value)
                  onChange(qty > 0 ? cart.map((x) => (x.sku === l.sku ? { ...x, qty } : x)) : cart.filter((x) => x.sku !== l.sku))
                }}
              />
            </label>
            <span>{prices[l.sku] ? money({ amount: prices[l.sku].unit_price.amount * l.qty, currency }) : '–'}</span>
          </li>
        ))}
      </ul>
      <p>
        Total: <strong>{money({ amount: total, currency })}</strong>
      </p>
      <button type="button" class="big" disabled={!customer || !cart.length || busy} onClick={() => void place()}>
        Place order
      </button>
      <Message note={note} />
    </section>
  )
}

function Orders({ warehouse }: { warehouse: string }) {
  const [orders, setOrders] = useState<Order[]>([])
  const [pending, setPending] = useState<{ key: string; label: string }[]>([])
  const [note, setNote] = useState<Note>(null)
  const [generation, setGeneration] = useState(0)
  const [open, setOpen] = useState<string | null>(null) // the order being changed
  const online = useStore(sync).online // a list that failed offline is fetched again when back
  const refreshPending = () =>
    queuedCommands().then((rows) => setPending(rows.filter((r) => r.path === '/api/orders').map((r) => ({ key: r.key, label: r.label }))))

  useEffect(() => {
    let stop = () => {}
    const versions = new Versions()
    get<{ orders: Order[]; as_of: Position }>(`/api/orders?warehouse=${warehouse}&limit=50`)
      .then((answer) => {
        for (const o of answer.orders) versions.newer('order', o.number, o.version)
        // keep orders that arrived (sent from the queue) while this snapshot was on its way
        setOrders((current) => [
          ...current.filter((o) => o.warehouse === warehouse && !answer.orders.some((s) => s.number === o.number)),
          ...answer.orders,
        ])
        setNote(null)
        stop = subscribe(`orders:${warehouse}`, {
          from: answer.as_of,
          onEvents(events) {
            const fresh = events.filter((e) => e.type === 'order.status_changed' && versions.newer('order', e.entity_id, e.entity_version))
            if (!fresh.length) return
            setOrders((current) => {
              let next = current
              for (const e of fresh) {
                const order = e.data as Order
                next = next.some((o) => o.number === order.number)
                  ? next.map((o) => (o.number === order.number ? order : o))
                  : [order, ...next]
              }
              return next
            })
          },
          onReset: () => setGeneration((g) => g + 1),
        })
      })
      .catch((e) => setNote({ kind: 'error', text: describe(e) }))
    void refreshPending()
    const stopSettled = onSettled((settled) => {
      if (settled.kind !== '/api/orders') return
      void refreshPending()
      if (settled.outcome === 'applied') {
        const order = settled.result as unknown as Order
        if (versions.newer('order', order.number, order.version)) setOrders((current) => [order, ...current.filter((o) => o.number !== order.number)])
      }
    })
    return () => {
      stop()
      stopSettled()
    }
  }, [warehouse, generation, online])

  return (
    <section class="card" aria-labelledby="orders-title">
      <h2 id="orders-title">My orders</h2>
      <Message note={note} />
      {orders.some((o) => o.number === open) && (
        <OrderEdit
          order={orders.find((o) => o.number === open) as EditableOrder}
          onChanged={(changed) =>
            setOrders((current) => current.map((o) => (o.number === changed.number && changed.version >= o.version ? (changed as unknown as Order) : o)))
          }
          onClose={() => setOpen(null)}
        />
      )}
      <ul class="rows" data-testid="orders">
        {pending.map((p) => (
          <li key={p.key}>
            <span>{p.label}</span>
            <span class="badge state-queued">waiting to send</span>
          </li>
        ))}
        {orders.map((o) => (
          <li key={o.number} data-order={o.number}>
            <span>
              <strong>{o.number}</strong> {o.customer_name}
              <small> · {o.lines.length} line(s) · {money(o.total)}</small>
              {o.status === 'on_hold' && o.status_reason && <small data-testid="hold-reason"> · {o.status_reason}</small>}
            </span>
            <span class={`badge state-${o.status}`} data-testid="order-status" title={o.status_reason ?? undefined}>
              {o.status.replace('_', ' ')}
            </span>
            <button type="button" class="secondary" onClick={() => setOpen(o.number)} aria-label={`${changeable(o) ? 'Change or cancel' : 'View'} order ${o.number}`}>
              {changeable(o) ? 'Change' : 'View'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
