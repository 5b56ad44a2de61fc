// The supervisor: a live task board (status, zone, worker, who is online), wave release, the
// exception queue with its actions, approvals and KPI tiles. The board starts from a snapshot and
// follows board:{wh} from the snapshot's position; task events replace the task they name.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, describe, get, newKey, post, session } from '../lib/api'
import { type LiveEvent, type Position, type PresenceMember, subscribe, Versions } from '../lib/live'
import { sync } from '../lib/queue'
import { useStore } from '../lib/store'
import { Message, money, type Note, Spark, Tabs } from '../ui'
import { IntegrationsToggle } from './integrations'
import { type Task, WarehousePicker } from './picking-state'
import { Approvals, Exceptions } from './supervisor-queues'

interface Board {
  as_of: Position
  tasks: Task[]
  done_today?: number
  open_exceptions?: number
  pending_approvals?: number
  lapsed_leases?: number
}

const COLUMNS = ['open', 'assigned', 'in_progress', 'exception', 'done'] as const
const ACTIVE = new Set(['open', 'assigned', 'in_progress', 'exception'])

export function Supervisor() {
  const user = session.get()!.user
  const [warehouse, setWarehouse] = useState(user.warehouses[0] ?? 'WH1')
  const [tab, setTab] = useState<'board' | 'waves' | 'exceptions' | 'approvals'>('board')
  return (
    <div class="supervisor">
      <WarehousePicker warehouses={user.warehouses} value={warehouse} onChange={setWarehouse} />
      <Tabs
        tabs={[
          ['board', 'Board'],
          ['waves', 'Waves'],
          ['exceptions', 'Exceptions'],
          ['approvals', 'Approvals'],
        ]}
        current={tab}
        onChange={setTab}
      />
      {tab === 'board' && <TaskBoard warehouse={warehouse} />}
      {tab === 'waves' && <Waves warehouse={warehouse} />}
      {tab === 'exceptions' && <Exceptions warehouse={warehouse} />}
      {tab === 'approvals' && <Approvals warehouse={warehouse} />}
      <IntegrationsToggle warehouse={warehouse} />
    </div>
  )
}

function TaskBoard({ warehouse }: { warehouse: string }) {
  const [tasks, setTasks] = useState<Record<number, Task>>({})
  const [board, setBoard] = useState<Board | null>(null)
  // what the snapshot already counted, so live events add only what happened after it
  const counted = useRef<{ done: Set<number>; exceptions: Record<string, boolean> }>({ done: new Set(), exceptions: {} })
  const [exceptionDelta, setExceptionDelta] = useState(0)
  const [online, setOnline] = useState<PresenceMember[]>([])
  const [zone, setZone] = useState('')
  const [note, setNote] = useState<Note>(null)
  const [generation, setGeneration] = useState(0)
  // completions per minute over the last 15 minutes, from live events, for the KPI chart
  const [done, setDone] = useState<number[]>(() => Array(15).fill(0))
  const minute = useRef(Math.floor(Date.now() / 60_000))
  const connected = useStore(sync).online // a board that failed offline is fetched again when back

  useEffect(() => {
    let stop = () => {}
    const versions = new Versions()
    const load = async (): Promise<Board> => {
      try {
        return await get<Board>(`/api/warehouses/${warehouse}/board?limit=500`)
      } catch (error) {
        // a server without the board endpoint: start empty from the position now
        if (!(error instanceof ApiError) || error.status !== 404) throw error
        return { as_of: await get<Position>(`/api/realtime/warehouses/${warehouse}/position`), tasks: [] }
      }
    }
    load()
      .then((snapshot) => {
        for (const t of snapshot.tasks) versions.newer('task', t.id, t.version)
        counted.current = { done: new Set(snapshot.tasks.filter((t) => t.state === 'done').map((t) => t.id)), exceptions: {} }
        setExceptionDelta(0)
        setBoard(snapshot)
        setTasks(Object.fromEntries(snapshot.tasks.map((t) => [t.id, t])))
        setNote(null)
        stop = subscribe(`board:${warehouse}`, {
          from: snapshot.as_of,
          onEvents(events: LiveEvent[]) {
            const changed: Record<number, Task> = {}
            let completed = 0
            let exceptions = 0
            for (const e of events) {
              if (e.entity === 'exception' && versions.newer('exception', e.entity_id, e.entity_version)) {
                // raised after the snapshot counts one more, resolved one fewer (each exception once either way)
                const open = e.data.state !== 'resolved'
                const seen = counted.current.exceptions[e.entity_id]
                if (e.type === 'exception.raised' && seen === undefined) exceptions++
                if (!open && seen !== false) exceptions--
                counted.current.exceptions[e.entity_id] = open
                continue
              }
              if (e.entity !== 'task' || !versions.newer('task', e.entity_id, e.entity_version)) continue
              changed[e.data.id] = e.data as Task
              if (e.data.state === 'done') completed++
            }
            if (completed) {
              const now = Math.floor(Date.now() / 60_000)
              setDone((d) => {
                const shift = Math.min(now - minute.current, d.length)
                minute.current = now
                const next = shift ? [...d.slice(shift), ...Array(shift).fill(0)] : [...d]
                next[next.length - 1] += completed
                return next
              })
            }
            if (exceptions) setExceptionDelta((d) => d + exceptions)
            if (Object.keys(changed).length) setTasks((current) => ({ ...current, ...changed }))
          },
          onReset: () => setGeneration((g) => g + 1),
          onPresence: setOnline,
        })
      })
      .catch((error) => setNote({ kind: 'error', text: describe(error) }))
    return () => stop()
  }, [warehouse, generation, connected])

  const all = Object.values(tasks)
  const zones = useMemo(() => [...new Set(all.map((t) => t.zone))].sort(), [tasks])
  const shown = all.filter((t) => !zone || t.zone === zone)
  const onlineNames = new Set(online.map((m) => m.username))
  const count = (state: string) => all.filter((t) => t.state === state).length
  // the snapshot's figure plus what finished since; the done column lists them and shows the same count
  const doneCount = (board?.done_today ?? 0) + all.filter((t) => t.state === 'done' && !counted.current.done.has(t.id)).length
  const exceptionCount = board?.open_exceptions === undefined ? count('exception') : Math.max(board.open_exceptions + exceptionDelta, 0)
  return (
    <>
      <section class="kpis" aria-label="Key figures" data-testid="kpis">
        <Tile label="Open tasks" value={count('open')} />
        <Tile label="In progress" value={count('assigned') + count('in_progress')} />
        <Tile label="Done today" value={doneCount} chart={done} chartLabel="Tasks done per minute, last 15 minutes" />
        <Tile label="Exceptions" value={exceptionCount} />
        <Tile label="Approvals waiting" value={board?.pending_approvals ?? 0} />
        <Tile label="People online" value={online.length} />
      </section>
      <section class="card" aria-labelledby="board-title">
        <h2 id="board-title">Task board</h2>
        <div class="row wrap">
          <label class="field inline">
            <span>Zone</span>
            <select value={zone} onChange={(e) => setZone((e.target as HTMLSelectElement).value)}>
              <option value="">All zones</option>
              {zones.map((z) => (
                <option key={z}>{z}</option>
              ))}
            </select>
          </label>
          <p class="online" data-testid="online">
            Online: {online.length ? online.map((m) => m.username).join(', ') : 'nobody'}
          </p>
        </div>
        <Message note={note} />
        <div class="board" data-testid="board">
          {COLUMNS.map((state) => {
            const column = shown.filter((t) => t.state === state).sort((a, b) => b.priority - a.priority || a.id - b.id)
            // done lists the latest only: its count is the day's, as on the tile (of the zone shown)
            const size = state === 'done' && !zone ? doneCount : column.length
            return (
              <section key={state} class="column" aria-label={`${state.replace('_', ' ')}: ${size}`} data-state={state}>
                <h3>
                  {state.replace('_', ' ')} <span class="count">{size}</span>
                </h3>
                {/* a long column scrolls: focusable, so a keyboard can scroll it too */}
                <ul tabIndex={0}>
                  {column.slice(0, 100).map((t) => (
                    <li key={t.id} class="task" data-task={t.id} data-state={t.state}>
                      <strong>{t.kind}</strong> {t.qty_done ? `${t.qty_done}/` : ''}
                      {t.qty} × {t.sku}
                      <br />
                      <small>
                        {t.location} · zone {t.zone}
                        {t.assigned_to && (
                          <>
                            {' '}
                            · <span class={onlineNames.has(t.assigned_to) ? 'is-online' : ''}>{t.assigned_to}</span>
                          </>
                        )}
                      </small>
                      {ACTIVE.has(t.state) && t.state !== 'exception' && (
                        <Reassign task={t} warehouse={warehouse} workers={online} onError={(text) => setNote({ kind: 'error', text })} />
                      )}
                    </li>
                  ))}
                </ul>
              </section>
            )
          })}
        </div>
        {all.some((t) => !ACTIVE.has(t.state) && t.state !== 'done') && <p class="hint">Cancelled tasks are hidden.</p>}
      </section>
      <Kpis warehouse={warehouse} />
    </>
  )
}

/** Hand a task to someone online, or put it back in the pool; the board updates from the event. */
function Reassign({ task, warehouse, workers, onError }: { task: Task; warehouse: string; workers: PresenceMember[]; onError(text: string): void }) {
  const floor = workers.filter((w) => w.roles.some((r) => ['picker', 'receiver'].includes(r)) && w.username !== task.assigned_to)
  if (!floor.length && !task.assigned_to) return null
  const change = async (event: Event) => {
    const select = event.target as HTMLSelectElement
    const value = select.value
    select.value = ''
    if (!value) return
    try {
      await post(`/api/warehouses/${warehouse}/tasks/${task.id}/reassign`, { worker: value === '-' ? null : value }, { idempotencyKey: newKey() })
    } catch (error) {
      onError(describe(error))
    }
  }
  return (
    <select class="reassign" aria-label={`Reassign task ${task.id}`} onChange={(e) => void change(e)} value="">
      <option value="">Reassign…</option>
      {task.assigned_to && <option value="-">Back to the pool</option>}
      {floor.map((w) => (
        <option key={w.username} value={w.username}>
          {w.username}
        </option>
      ))}
    </select>
  )
}

interface KpiAnswer {
  window_hours: number
  pick_lines_per_hour: { total: number; series: number[]; by_picker: { worker: string; lines_per_hour: number }[] }
  dock_to_stock: { p50_minutes: number | null }
  order_cycle_time: { p50_minutes: number | null }
  fill_rate: { rate: number | null }
  inventory_accuracy: { rate: number | null }
  backorder_aging: { bucket: string; lines: number }[]
}

const percent = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`)
const minutes = (value: number | null) => (value === null ? '–' : `${value} min`)

/** The warehouse's KPIs over the last hours, refreshed every minute (they move slowly). */
function Kpis({ warehouse }: { warehouse: string }) {
  const [kpis, setKpis] = useState<KpiAnswer | null>(null)
  useEffect(() => {
    const load = () => get<KpiAnswer>(`/api/warehouses/${warehouse}/kpis`).then(setKpis).catch(() => undefined)
    void load()
    const timer = setInterval(load, 60_000)
    return () => clearInterval(timer)
  }, [warehouse])
  if (!kpis) return null
  const aging = kpis.backorder_aging.map((b) => b.lines)
  return (
    <section class="kpis" aria-label={`Performance, last ${kpis.window_hours} hours`}>
      <Tile
        label="Pick lines / hour"
        text={String(kpis.pick_lines_per_hour.total)}
        chart={kpis.pick_lines_per_hour.series}
        chartLabel={`Pick lines per hour over the last ${kpis.window_hours} hours`}
      />
      <Tile label="Fill rate" text={percent(kpis.fill_rate.rate)} />
      <Tile label="Dock to stock (p50)" text={minutes(kpis.dock_to_stock.p50_minutes)} />
      <Tile label="Order cycle (p50)" text={minutes(kpis.order_cycle_time.p50_minutes)} />
      <Tile label="Count accuracy" text={percent(kpis.inventory_accuracy.rate)} />
      <Tile
        label="Backorder lines"
        value={aging.reduce((a, b) => a + b, 0)}
        chart={aging}
        chartLabel={`Backorder lines by age: ${kpis.backorder_aging.map((b) => `${b.bucket} ${b.lines}`).join(', ')}`}
      />
    </section>
  )
}

function Tile({ label, value, text, chart, chartLabel }: { label: string; value?: number; text?: string; chart?: number[]; chartLabel?: string }) {
  return (
    <div class="tile">
      <span class="tile-label">{label}</span>
      <span class="tile-value">{text ?? value}</span>
      {chart && <Spark values={chart} label={chartLabel ?? label} />}
    </div>
  )
}

interface OrderRow {
  number: string
  customer_name: string
  status: string
  priority: number | null
  total: { amount: number; currency: string }
  lines: unknown[]
  requested_date: string
}

function Waves({ warehouse }: { warehouse: string }) {
  const [orders, setOrders] = useState<OrderRow[]>([])
  const [picked, setPicked] = useState<Set<string>>(new Set())
  const [perTrip, setPerTrip] = useState(4)
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const load = () =>
    Promise.all(
      ['allocated', 'partially_allocated'].map((status) =>
        get<{ orders: OrderRow[] }>(`/api/orders?warehouse=${warehouse}&status=${status}&limit=200`),
      ),
    )
      .then((answers) => setOrders(answers.flatMap((a) => a.orders)))
      .catch((e) => setNote({ kind: 'error', text: describe(e) }))
  useEffect(() => {
    void load()
  }, [warehouse])
  const toggle = (number: string) => {
    const next = new Set(picked)
    if (next.has(number)) next.delete(number)
    else next.add(number)
    setPicked(next)
  }
  const release = async () => {
    setBusy(true)
    try {
      const wave = await post<{ id: string; tasks: unknown[]; orders: string[] }>(
        `/api/warehouses/${warehouse}/waves`,
        { orders: picked.size ? [...picked] : null, max_orders_per_cluster: perTrip },
        { idempotencyKey: newKey() },
      )
      setNote({ kind: 'ok', text: `Wave ${wave.id} released: ${wave.orders.length} order(s), ${wave.tasks.length} pick task(s).` })
      setPicked(new Set())
      void load()
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="card" aria-labelledby="waves-title">
      <h2 id="waves-title">Release a wave</h2>
      <p class="hint">Pick orders to release, or none to release every allocated order.</p>
      <ul class="rows" data-testid="wave-orders">
        {orders.map((o) => (
          <li key={o.number}>
            <label class="check">
              <input type="checkbox" checked={picked.has(o.number)} onChange={() => toggle(o.number)} /> <strong>{o.number}</strong> {o.customer_name}
            </label>
            <span>
              {o.lines.length} line(s) · {money(o.total)} · due {o.requested_date}
            </span>
          </li>
        ))}
        {!orders.length && <li>No allocated orders waiting.</li>}
      </ul>
      <label class="field inline">
        <span>Orders per picker trip</span>
        <input type="number" min={1} max={12} value={perTrip} onInput={(e) => setPerTrip(Number((e.target as HTMLInputElement).value) || 1)} />
      </label>
      <button type="button" class="big" onClick={() => void release()} disabled={busy || !orders.length}>
        Release wave
      </button>
      <Message note={note} />
    </section>
  )
}
