// Blind cycle counts on the handheld: claim a count task, scan the location, then each item (and
// its lot) with the quantity found, then finish. The screen never shows what the system holds.
// Offline the scans are kept here and the whole count goes out as one count.submit intent, which
// the server replays through the same rules exactly once (server/services/floor_mutations.py).
import { useEffect, useRef, useState } from 'preact/hooks'
import { get, NetworkError, post, session } from '../lib/api'
import { fail, ok } from '../lib/feedback'
import { acceptedUnit, type AcceptedGtin, labelHasLot, readItemLabel } from '../lib/gtin'
import { mutate, onSettled, plainError, plainReason } from '../lib/queue'
import { Message, type Note, ScanField } from '../ui'
import { claimNext, type FloorTask, LocalRefusal, QuantityField, saved, Steps, useTakenAway } from './guided'
import './screens.css'

interface CountPrompt {
  step: 'location' | 'item' | 'lot' | 'quantity' | 'done'
  location: string
  sku: string | null
  lot: string | null
  description: string | null
  scanned_sku: string | null
  uom_factor: number | null // base units in the unit just scanned (a case GTIN counts its factor)
  can_finish: boolean
  lot_tracked: boolean | null // known for a one-item count
  counted: { sku: string; lot: string | null; qty: number }[]
}

/** One counted line as the worker scanned it: the label, a lot scanned apart, the quantity typed
 * (in the scanned unit: ``factor`` base units each; the server applies the factor itself). */
interface Line {
  item: string
  lot: string | null
  qty: number
  factor?: number
}

interface CountState {
  task: FloorTask
  prompt: CountPrompt
  located: boolean
  lines: Line[]
  pending: { item: string; lot: string | null; needsLot?: boolean; sku?: string | null; factor?: number } | null
  offline: boolean // from the first scan without network on, the whole count is kept here
}

const STEPS: [string, string][] = [
  ['location', 'Location'],
  ['item', 'Item'],
  ['quantity', 'Quantity'],
  ['done', 'Finish'],
]

const LABEL: Record<string, string> = {
  location: 'Scan the location',
  item: 'Scan the next item, or finish',
  lot: 'Scan the lot',
}

/** Where a count kept on the device stands. */
function localStep(state: CountState): CountPrompt['step'] {
  if (!state.located) return 'location'
  if (state.pending?.needsLot) return 'lot'
  return state.pending ? 'quantity' : 'item'
}

/** Offline, the unit of a one-item count's item a label is; any other label is refused here, as the
 * server would. A whole-location count knows no GTINs: the server checks those items when sent. */
function countedUnit(task: FloorTask, scan: string): AcceptedGtin | null {
  if (!task.sku || !task.accepted_gtins?.length) return null
  const label = readItemLabel(scan)
  if (!label) throw new LocalRefusal(`That is not an item label: scan the barcode on ${task.sku}.`)
  const unit = acceptedUnit(task.accepted_gtins, label)
  if (!unit) throw new LocalRefusal(`Wrong item: this count is for ${task.sku}.`)
  return unit
}

export function Counting({ warehouse }: { warehouse: string }) {
  const user = session.get()!.user
  const store = saved<CountState>(`fs.count.${user.username}.${warehouse}`)
  const [state, setState] = useState<CountState | null>(() => store.load())
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const ref = useRef(state)
  const set = (next: CountState | null) => {
    ref.current = next
    store.save(next)
    setState(next)
  }

  // a count resumed online is re-read: a supervisor may have taken it back meanwhile
  useEffect(() => {
    const current = ref.current
    if (!current || current.offline || !navigator.onLine) return
    get<{ task: FloorTask; prompt: CountPrompt }>(`/api/warehouses/${warehouse}/tasks/${current.task.id}`)
      .then((answer) => {
        if (answer.task.assigned_to !== user.username || answer.prompt.step === 'done') {
          set(null)
          setNote({ kind: 'info', text: `The count at ${answer.task.location} is no longer yours.` })
        } else set({ ...current, task: answer.task, prompt: answer.prompt })
      })
      .catch(() => undefined)
  }, [warehouse])

  useEffect(
    () =>
      onSettled((settled) => {
        if (settled.kind !== 'count.submit') return
        const result = settled.result as { code?: string; detail?: string }
        const where = (settled.payload as { location: string }).location
        if (settled.outcome === 'applied') setNote({ kind: 'ok', text: `The count at ${where} was sent and booked.` })
        else {
          fail()
          setNote({ kind: 'error', text: `The count at ${where} was refused: ${plainReason(result)}` })
        }
      }),
    [],
  )

  useTakenAway(warehouse, state?.task ?? null, (holder) => {
    const where = ref.current?.task.location
    set(null)
    fail()
    setNote({ kind: 'error', text: holder ? `The count at ${where} was given to ${holder}.` : `The count at ${where} was put back in the pool.` })
  })

  const claim = async () => {
    setBusy(true)
    setNote(null)
    try {
      const answer = await claimNext<CountPrompt>(warehouse, 'count')
      if (!answer) setNote({ kind: 'info', text: 'No counts to do right now.' })
      else {
        set({ ...answer, located: answer.prompt.step !== 'location', lines: [], pending: null, offline: false })
        ok()
      }
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    } finally {
      setBusy(false)
    }
  }

  /** Keep a scan on the device; the location is checked here, items when the count is sent. */
  const keepLocally = (current: CountState, value: string | number): CountState => {
    const step = localStep(current)
    if (step === 'location') {
      if (String(value).toUpperCase() !== current.task.location.toUpperCase()) {
        throw new LocalRefusal(`Wrong location ${value}: count ${current.task.location}.`)
      }
      return { ...current, offline: true, located: true }
    }
    if (step === 'item') {
      // a lot-tracked item scanned by a label without its lot: ask for the lot here, as the server would
      const unit = countedUnit(current.task, String(value))
      const needsLot = current.prompt.lot_tracked === true && !current.task.lot && !labelHasLot(String(value))
      const pending = { item: String(value), lot: current.task.lot, needsLot, sku: unit && current.task.sku, factor: unit?.factor ?? 1 }
      return { ...current, offline: true, pending }
    }
    if (step === 'lot') return { ...current, offline: true, pending: { ...current.pending!, lot: String(value), needsLot: false } }
    const line = { item: current.pending!.item, lot: current.pending!.lot, qty: Number(value), factor: current.pending!.factor }
    return { ...current, offline: true, pending: null, lines: [...current.lines, line] }
  }

  /** What the server's answer means for the lines kept here (they make the offline submission). */
  const remember = (current: CountState, value: string | number, prompt: CountPrompt): CountState => {
    const step = current.prompt.step
    const next = { ...current, prompt }
    if (step === 'location') return { ...next, located: true }
    if (step === 'item') return { ...next, pending: { item: String(value), lot: null, sku: prompt.scanned_sku, factor: prompt.uom_factor ?? 1 } }
    if (step === 'lot') return { ...next, pending: { ...current.pending!, lot: String(value) } }
    if (step === 'quantity') {
      const { item, lot, factor } = current.pending!
      return { ...next, pending: null, lines: [...current.lines, { item, lot, qty: Number(value), factor }] }
    }
    return next
  }

  const scan = async (value: string | number) => {
    const current = ref.current
    if (!current) return
    try {
      if (current.offline || !navigator.onLine) {
        set(keepLocally(current, value))
        setNote({ kind: 'ok', text: 'Noted on this device; the count is checked when it is sent.' })
      } else {
        const body = current.prompt.step === 'quantity' ? { qty: Number(value) } : { scan: String(value) }
        try {
          const answer = await post<{ task: FloorTask; prompt: CountPrompt }>(`/api/warehouses/${warehouse}/tasks/${current.task.id}/scans`, body)
          set({ ...remember(current, value, answer.prompt), task: answer.task })
          setNote({ kind: 'ok', text: answer.prompt.step === 'quantity' ? `Counting ${answer.prompt.scanned_sku}.` : 'OK' })
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          set(keepLocally(current, value)) // the network dropped on this very scan
          setNote({ kind: 'ok', text: 'No network: the count is kept on this device and sent when back online.' })
        }
      }
      ok()
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    }
  }

  const queue = async (current: CountState) => {
    const lines = current.lines.map(({ item, lot, qty }) => ({ item, lot, qty }))
    const payload = { warehouse, task: current.task.id, location: current.task.location, lines }
    await mutate('count.submit', payload, `Count of ${current.task.location}: ${current.lines.length} line(s)`)
    set(null)
    setNote({ kind: 'ok', text: `Count of ${current.task.location} queued; it is sent when the network is back.` })
  }

  const finish = async () => {
    const current = ref.current
    if (!current) return
    setBusy(true)
    try {
      if (current.offline || !navigator.onLine) await queue(current)
      else {
        try {
          await post(`/api/warehouses/${warehouse}/counts/${current.task.id}/finish`)
          set(null)
          setNote({ kind: 'ok', text: `Count of ${current.task.location} finished: ${current.lines.length} line(s) counted.` })
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          await queue({ ...current, offline: true })
        }
      }
      ok()
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    } finally {
      setBusy(false)
    }
  }

  if (!state) {
    return (
      <div class="counting">
        <section class="card">
          <p>Claim a cycle count: you count what is there, the system's figure is not shown.</p>
          <button type="button" class="big" onClick={() => void claim()} disabled={busy} data-testid="claim-count">
            {busy ? 'Looking for work…' : 'Next count'}
          </button>
        </section>
        <Message note={note} />
      </div>
    )
  }
  const step = state.offline ? localStep(state) : state.prompt.step
  const counted = state.offline || !state.prompt.counted.length
    ? state.lines.map((l) => ({ what: l.item, lot: l.lot, qty: l.qty * (l.factor ?? 1) }))
    : state.prompt.counted.map((c) => ({ what: c.sku, lot: c.lot, qty: c.qty }))
  return (
    <div class="counting">
      <section class="card pick" aria-labelledby="count-title" data-testid="count-step" data-step={step}>
        <h2 id="count-title">Count{state.offline && <small> kept on this device</small>}</h2>
        <Steps steps={STEPS} now={step === 'lot' ? 'item' : step} />
        <dl class="facts">
          <dt>Location</dt>
          <dd class="huge" data-testid="location">{state.task.location}</dd>
          <dt>Item</dt>
          <dd>{state.task.sku ? <><strong>{state.task.sku}</strong> {state.task.description}</> : 'every item in the location'}</dd>
        </dl>
        {step === 'quantity' ? (
          <QuantityField
            label={quantityLabel(state)}
            initial=""
            submitLabel="Enter"
            onSubmit={(qty) => void scan(qty)}
            onRefuse={(text) => { fail(); setNote({ kind: 'error', text }) }}
          />
        ) : (
          <ScanField label={LABEL[step] ?? 'Scan'} onScan={(v) => void scan(v)} />
        )}
        {step === 'item' && (
          <button type="button" class="big secondary finish" onClick={() => void finish()} disabled={busy} data-testid="finish-count">
            Finish count ({counted.length} line{counted.length === 1 ? '' : 's'})
          </button>
        )}
      </section>
      <Message note={note} />
      {counted.length > 0 && (
        <section class="card" aria-labelledby="counted-title">
          <h2 id="counted-title">Counted here</h2>
          <ul class="rows" data-testid="counted">
            {counted.map((c, i) => (
              <li key={i}>
                <span>
                  <strong>{c.what}</strong> {c.lot && <span class="badge">lot {c.lot}</span>}
                </span>
                <span class="num">{c.qty}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}

/** The quantity question: in the unit just scanned (a case GTIN is counted in cases of its factor). */
function quantityLabel(state: CountState): string {
  const what = (!state.offline && state.prompt.scanned_sku) || state.pending?.sku || state.pending?.item || ''
  const factor = (state.offline ? state.pending?.factor : state.prompt.uom_factor) ?? 1
  return factor > 1 ? `How many packs of ${factor} × ${what} did you count?` : `How many ${what} did you count?`
}
