// The picker: claim the next task (with its cluster trip) and follow the server's next expected scan:
// location, item (with lot), quantity, tote. Offline, the scans of a task are collected here and
// queued as one pick.confirm intent, which the server replays through the same rules exactly once.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { describe, get, NetworkError, post, session } from '../lib/api'
import { fail, ok } from '../lib/feedback'
import { acceptedUnit, readItemLabel } from '../lib/gtin'
import { subscribe, Versions } from '../lib/live'
import { mutate, onSettled, plainError, plainReason } from '../lib/queue'
import { Message, type Note, ScanField } from '../ui'
import { type Prompt, type Task, type TripState, WarehousePicker, loadTrip, saveTrip, stepsOf } from './picking-state'

const STEP_LABEL: Record<string, string> = {
  location: 'Scan the location',
  item: 'Scan the item',
  quantity: 'Enter the quantity picked',
  tote: 'Scan the tote',
}

export function Picker() {
  const user = session.get()!.user
  const [warehouse, setWarehouse] = useState(user.warehouses[0] ?? 'WH1')
  const [trip, setTripState] = useState<TripState>(() => loadTrip(user.username, warehouse))
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const tripRef = useRef(trip)
  const setTrip = (next: TripState) => {
    tripRef.current = next
    saveTrip(user.username, next)
    setTripState(next)
  }

  const task = trip.tasks.find((t) => t.id === trip.current) ?? null
  const prompt = task ? trip.prompts[task.id] ?? null : null

  // tasks taken away or changed by a supervisor, live
  useEffect(() => {
    const versions = new Versions()
    return subscribe(`my-tasks:${warehouse}`, {
      onEvents(events) {
        let next = tripRef.current
        for (const event of events) {
          const data = event.data as Task
          if (!versions.newer('task', event.entity_id, event.entity_version)) continue
          if (!next.tasks.some((t) => t.id === data.id)) continue
          const taken = data.assigned_to !== user.username
          next = { ...next, tasks: next.tasks.map((t) => (t.id === data.id ? { ...t, ...data, taken } : t)) }
          if (taken) {
            if (next.current === data.id) next = { ...next, current: null }
            fail()
            setNote({
              kind: 'error',
              text: `The pick at ${data.location} (${data.sku}) was ${data.assigned_to ? `given to ${data.assigned_to}` : 'put back in the pool'}.`,
            })
          }
        }
        setTrip(next)
      },
      onReset() {
        /* the trip is re-read on the next claim; nothing to refetch mid-pick */
      },
    })
  }, [warehouse])

  // queued picks settle when the device is back online
  useEffect(
    () =>
      onSettled((settled) => {
        if (settled.kind !== 'pick.confirm') return
        const id = (settled.payload as { task: number }).task
        const current = tripRef.current
        if (!current.tasks.some((t) => t.id === id)) return
        const result = settled.result as { task?: Task; code?: string; detail?: string }
        setTrip({
          ...current,
          tasks: current.tasks.map((t) =>
            t.id !== id
              ? t
              : settled.outcome === 'applied'
                ? { ...t, ...(result.task ?? {}), queued: false }
                : { ...t, queued: false, rejected: plainReason(result) },
          ),
        })
      }),
    [],
  )

  const claim = async () => {
    setBusy(true)
    setNote(null)
    try {
      const answer = await post<{ task: Task | null; prompt: Prompt | null; trip: Task[] }>(
        `/api/warehouses/${warehouse}/tasks/next`,
        { kinds: ['pick'] },
      )
      if (!answer.task || !answer.prompt) {
        setTrip({ warehouse, tasks: [], current: null, prompts: {}, local: {} })
        setNote({ kind: 'info', text: 'No pick work right now.' })
      } else if (answer.task.kind !== 'pick') {
        // the server hands back a task still held first, whatever kind was asked for
        fail()
        setNote({ kind: 'error', text: `You still hold a ${answer.task.kind} task at ${answer.task.location}: finish it on its tab first.` })
      } else {
        const prompts: Record<number, Prompt> = { [answer.task.id]: answer.prompt }
        setTrip({ warehouse, tasks: answer.trip, current: answer.task.id, prompts, local: {} })
        ok()
      }
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: describe(error) })
    } finally {
      setBusy(false)
    }
  }

  /** Move on to the trip's next task that still needs picking. */
  const advance = (state: TripState): TripState => {
    const next = state.tasks.find((t) => !t.queued && !t.taken && !t.rejected && ['assigned', 'in_progress', 'open'].includes(t.state) && t.id !== state.current)
    if (!next) return { ...state, current: null }
    const prompt = state.prompts[next.id] ?? firstPrompt(next)
    return { ...state, current: next.id, prompts: { ...state.prompts, [next.id]: prompt } }
  }

  /** The server's answer to a scan: the next expected step, or the task's outcome. */
  const applyAnswer = (answer: { task: Task; prompt: Prompt; picked?: number; short?: Record<string, unknown> }) => {
    let next: TripState = {
      ...tripRef.current,
      tasks: tripRef.current.tasks.map((t) => (t.id === answer.task.id ? { ...t, ...answer.task } : t)),
      prompts: { ...tripRef.current.prompts, [answer.task.id]: answer.prompt },
    }
    if (answer.prompt.step === 'done') {
      setNote({
        kind: 'ok',
        text: answer.short
          ? `Short pick recorded: ${answer.picked} picked; the rest is reported to the supervisor.`
          : `Picked ${answer.picked} × ${answer.task.sku}.`,
      })
      next = advance(next)
    } else setNote({ kind: 'ok', text: 'OK' })
    setTrip(next)
  }

  /** Offline: hold the scan here; the whole pick goes out as one intent when complete. */
  const scanLocally = (value: string | number) => {
    const state = tripRef.current
    const t = state.tasks.find((x) => x.id === state.current)!
    const p = state.prompts[t.id]
    const local = { ...(state.local[t.id] ?? {}) }
    let step = p.step
    if (step === 'location') {
      if (String(value).toUpperCase() !== t.location.toUpperCase()) throw new LocalRefusal(`Wrong location ${value}: go to ${t.location}.`)
      local.location = String(value)
      step = 'item'
    } else if (step === 'item') {
      checkItem(t, String(value))
      local.item = String(value)
      step = 'quantity'
    } else if (step === 'quantity') {
      const qty = Number(value)
      if (!Number.isInteger(qty) || qty < 0) throw new LocalRefusal('Enter the quantity picked (0 or more).')
      local.qty = qty
      step = t.tote && qty > 0 ? 'tote' : 'done'
    } else if (step === 'tote') {
      if (String(value).toUpperCase() !== (t.tote ?? '').toUpperCase()) throw new LocalRefusal(`Wrong tote ${value}: use tote ${t.tote}.`)
      local.tote = String(value)
      step = 'done'
    }
    let next: TripState = {
      ...state,
      local: { ...state.local, [t.id]: local },
      prompts: { ...state.prompts, [t.id]: { ...p, step, qty_picked: local.qty ?? null } },
    }
    if (step === 'done') {
      const payload = {
        warehouse: t.warehouse,
        task: t.id,
        location: local.location ?? t.location,
        item: local.item ?? t.sku,
        qty: local.qty ?? 0,
        tote: local.tote ?? (local.qty ? t.tote : null),
      }
      void mutate('pick.confirm', payload, `Pick ${payload.qty} × ${t.sku} at ${t.location}`)
      next = { ...next, tasks: next.tasks.map((x) => (x.id === t.id ? { ...x, queued: true } : x)) }
      next = advance(next)
      setNote({ kind: 'ok', text: `Pick of ${t.sku} queued; it is sent when the network is back.` })
    } else {
      setNote({ kind: 'ok', text: 'OK' })
    }
    setTrip(next)
  }

  const scan = async (value: string | number) => {
    const state = tripRef.current
    if (!task || !prompt) return
    const offline = !navigator.onLine || state.local[task.id] !== undefined
    try {
      // more than asked is refused here, online or not, with the same beep and message as a bad scan
      if (prompt.step === 'quantity' && !(Number.isInteger(value) && Number(value) >= 0)) {
        throw new LocalRefusal('Enter the quantity picked: a whole number, 0 or more.')
      }
      if (prompt.step === 'quantity' && Number(value) > prompt.qty_expected) {
        throw new LocalRefusal(`Picked ${value} but the task asks for ${prompt.qty_expected}: put back the extra.`)
      }
      if (offline) scanLocally(value)
      else {
        const body = prompt.step === 'quantity' ? { qty: Number(value) } : { scan: String(value) }
        try {
          applyAnswer(await post(`/api/warehouses/${warehouse}/tasks/${task.id}/scans`, body))
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          scanLocally(value) // the network dropped on this very scan
        }
      }
      ok()
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    }
  }

  const redo = async (t: Task) => {
    try {
      const answer = await get<{ task: Task; prompt: Prompt }>(`/api/warehouses/${warehouse}/tasks/${t.id}`)
      const state = tripRef.current
      const local = { ...state.local }
      delete local[t.id]
      setTrip({
        ...state,
        current: t.id,
        local,
        tasks: state.tasks.map((x) => (x.id === t.id ? { ...answer.task, rejected: undefined } : x)),
        prompts: { ...state.prompts, [t.id]: answer.prompt },
      })
      setNote(null)
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
    }
  }

  const done = trip.tasks.length > 0 && !task
  return (
    <div class="picker">
      <WarehousePicker warehouses={user.warehouses} value={warehouse} onChange={(w) => { setWarehouse(w); setTrip(loadTrip(user.username, w)) }} />
      {!task && (
        <section class="card">
          {done ? <p>Trip complete: take the totes to staging.</p> : <p>Claim your next pick task to start.</p>}
          <button type="button" class="big" onClick={() => void claim()} disabled={busy} data-testid="claim">
            {busy ? 'Looking for work…' : 'Next task'}
          </button>
        </section>
      )}
      {task && prompt && <PickStep task={task} prompt={prompt} onScan={(v) => void scan(v)} />}
      <Message note={note} />
      {trip.tasks.length > 0 && <TripList trip={trip} onRedo={(t) => void redo(t)} />}
    </div>
  )
}

class LocalRefusal extends Error {}

/** Refuse an item label the task does not accept (its GTINs and lot), as the server would. */
function checkItem(t: Task, scan: string): void {
  if (!t.accepted_gtins?.length) return // a trip claimed before tasks carried their GTINs: the server checks it
  const label = readItemLabel(scan)
  if (!label) throw new LocalRefusal(`That is not an item label: scan the barcode on ${t.sku}.`)
  if (!acceptedUnit(t.accepted_gtins, label)) {
    throw new LocalRefusal(`Wrong item: this is not ${t.sku}. Pick ${t.sku} ${t.description}.`)
  }
  if (t.lot_required && !label.lot) throw new LocalRefusal(`${t.sku} is lot tracked: scan the label with the lot.`)
  if (t.lot_required && t.lot && label.lot !== t.lot) throw new LocalRefusal(`Wrong lot ${label.lot}: pick lot ${t.lot}.`)
}

function firstPrompt(t: Task): Prompt {
  return {
    step: 'location',
    task_id: t.ref,
    location: t.location,
    sku: t.sku,
    description: t.description,
    lot: t.lot,
    lot_required: false,
    qty_expected: t.qty - t.qty_done,
    qty_picked: null,
    tote: t.tote,
  }
}

function PickStep({ task, prompt, onScan }: { task: Task; prompt: Prompt; onScan(value: string | number): void }) {
  const steps = stepsOf(task)
  return (
    <section class="card pick" aria-labelledby="pick-title" data-testid="pick-step" data-step={prompt.step}>
      <h2 id="pick-title">{task.order ? `Order ${task.order}` : 'Pick'}</h2>
      <ol class="steps" aria-label="Steps">
        {steps.map((s) => (
          <li key={s} class={s === prompt.step ? 'now' : steps.indexOf(s) < steps.indexOf(prompt.step as never) ? 'done' : ''} aria-current={s === prompt.step ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <dl class="facts">
        <dt>Location</dt>
        <dd class="huge" data-testid="location">{prompt.location}</dd>
        <dt>Item</dt>
        <dd>
          <strong>{prompt.sku}</strong> {prompt.description}
          {prompt.lot && <span class="badge">lot {prompt.lot}</span>}
        </dd>
        <dt>Quantity</dt>
        <dd class="huge" data-testid="qty">{prompt.qty_expected}</dd>
        {task.tote && (
          <>
            <dt>Tote</dt>
            <dd>{task.tote}</dd>
          </>
        )}
      </dl>
      {prompt.step === 'quantity' ? (
        <QuantityStep expected={prompt.qty_expected} onSubmit={onScan} />
      ) : (
        <ScanField
          label={STEP_LABEL[prompt.step] ?? 'Scan'}
          onScan={onScan}
          hint={prompt.step === 'item' && prompt.lot_required ? 'Lot-tracked: scan the label with the lot.' : undefined}
        />
      )}
    </section>
  )
}

function QuantityStep({ expected, onSubmit }: { expected: number; onSubmit(qty: number): void }) {
  const [value, setValue] = useState(String(expected))
  const [confirmShort, setConfirmShort] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  // focus before the next paint: a wedge scanner or keypad may already be sending keys
  useLayoutEffect(() => {
    input.current?.focus()
    input.current?.select()
  }, [])
  const qty = Number(value)
  const submit = (event: Event) => {
    event.preventDefault()
    if (value === '') return
    // anything but a count the task can take is refused by the screen with a beep, not a browser bubble
    if (!Number.isInteger(qty) || qty < 0 || qty > expected) {
      onSubmit(qty)
      return
    }
    if (qty < expected && !confirmShort) {
      setConfirmShort(true)
      return
    }
    onSubmit(qty)
  }
  return (
    <form class="scan" onSubmit={submit} noValidate>
      <label for="qty">Quantity picked (of {expected})</label>
      <div class="scan-row">
        <input id="qty" ref={input} type="number" inputMode="numeric" min={0} value={value} onInput={(e) => { setValue((e.target as HTMLInputElement).value); setConfirmShort(false) }} />
        <button type="submit" class="big">
          {confirmShort ? `Confirm short pick: ${qty} of ${expected}` : 'Confirm'}
        </button>
      </div>
      <button type="button" class="secondary short" onClick={() => { setValue('0'); setConfirmShort(false); input.current?.focus() }}>
        Short pick: none found
      </button>
      {confirmShort && (
        <p class="note note-error" role="alert">
          Fewer than asked: the supervisor is told.
        </p>
      )}
    </form>
  )
}

function TripList({ trip, onRedo }: { trip: TripState; onRedo(t: Task): void }) {
  // what the server refused comes first: its Redo stays on a handheld's screen
  const tasks = [...trip.tasks.filter((t) => t.rejected), ...trip.tasks.filter((t) => !t.rejected)]
  return (
    <section class="card" aria-labelledby="trip-title">
      <h2 id="trip-title">This trip</h2>
      <ul class="rows" data-testid="trip">
        {tasks.map((t) => (
          <li key={t.id} class={t.id === trip.current ? 'current' : ''}>
            <span>
              <strong>{t.location}</strong> {t.qty} × {t.sku}
            </span>
            <span class={`badge state-${t.rejected ? 'rejected' : t.queued ? 'queued' : t.state}`}>
              {t.rejected ? 'rejected' : t.taken ? 'reassigned' : t.queued ? 'queued' : t.state.replace('_', ' ')}
            </span>
            {t.rejected && (
              <span class="why">
                <span>{t.rejected}</span>
                <button type="button" class="secondary" onClick={() => onRedo(t)}>
                  Redo
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
