// Replenishment on the handheld: claim a replenish task, then follow the server's prompts: the
// reserve bin, the item (and lot), how many were taken, and the pick face they went to. The face
// scan moves the stock in one transaction. The move is checked against the reserve's stock as it
// happens, so this screen needs the network (the server has no offline intent for it).
import { useEffect, useRef, useState } from 'preact/hooks'
import { get, post, session } from '../lib/api'
import { fail, ok } from '../lib/feedback'
import { plainError, sync } from '../lib/queue'
import { useStore } from '../lib/store'
import { Message, type Note, ScanField } from '../ui'
import { claimNext, type FloorTask, QuantityField, saved, Steps, useTakenAway } from './guided'

interface MovePrompt {
  step: 'location' | 'item' | 'quantity' | 'to_location' | 'done'
  location: string
  sku: string
  description: string | null
  lot: string | null
  lot_required: boolean
  qty: number
  to_location: string | null
  taken?: number | null
}

interface ScanAnswer {
  task: FloorTask
  prompt: MovePrompt
  moved?: number
  count_task?: number
}

const STEPS: [string, string][] = [
  ['location', 'Reserve'],
  ['item', 'Item'],
  ['quantity', 'Take'],
  ['to_location', 'Face'],
]

const LABEL: Record<string, string> = {
  location: 'Scan the reserve location',
  item: 'Scan the item',
  to_location: 'Scan the pick face',
}

export function Replenish({ warehouse }: { warehouse: string }) {
  const user = session.get()!.user
  const store = saved<{ task: FloorTask; prompt: MovePrompt }>(`fs.replenish.${user.username}.${warehouse}`)
  const [state, setState] = useState(() => store.load())
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const online = useStore(sync).online
  const ref = useRef(state)
  const set = (next: typeof state) => {
    ref.current = next
    store.save(next)
    setState(next)
  }

  // a task resumed after a reload is re-read: it may have moved on or been taken back
  useEffect(() => {
    const current = ref.current
    if (!current || !navigator.onLine) return
    get<{ task: FloorTask; prompt: MovePrompt }>(`/api/warehouses/${warehouse}/tasks/${current.task.id}`)
      .then((answer) => set(answer.task.assigned_to === user.username && answer.prompt.step !== 'done' ? answer : null))
      .catch(() => undefined)
  }, [warehouse])

  useTakenAway(warehouse, state?.task ?? null, (holder) => {
    const where = ref.current?.task.location
    set(null)
    fail()
    setNote({ kind: 'error', text: holder ? `The replenishment at ${where} was given to ${holder}.` : `The replenishment at ${where} was put back in the pool.` })
  })

  const claim = async () => {
    setBusy(true)
    setNote(null)
    try {
      const answer = await claimNext<MovePrompt>(warehouse, 'replenish')
      if (!answer) setNote({ kind: 'info', text: 'No replenishment to do right now.' })
      else {
        set(answer)
        ok()
      }
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    } finally {
      setBusy(false)
    }
  }

  const scan = async (value: string | number) => {
    const current = ref.current
    if (!current) return
    const body = current.prompt.step === 'quantity' ? { qty: Number(value) } : { scan: String(value) }
    try {
      const answer = await post<ScanAnswer>(`/api/warehouses/${warehouse}/tasks/${current.task.id}/scans`, body)
      if (answer.prompt.step === 'done') {
        set(null)
        const short = answer.count_task ? ' Fewer than asked: the reserve bin will be counted.' : ''
        setNote({ kind: 'ok', text: `Moved ${answer.moved ?? 0} × ${current.prompt.sku} to ${current.prompt.to_location}.${short}` })
      } else {
        set({ task: answer.task, prompt: answer.prompt })
        setNote({ kind: 'ok', text: 'OK' })
      }
      ok()
    } catch (error) {
      fail()
      setNote({ kind: 'error', text: plainError(error) })
    }
  }

  if (!state) {
    return (
      <div class="replenish">
        <section class="card">
          <p>Fill pick faces from the reserve.</p>
          <button type="button" class="big" onClick={() => void claim()} disabled={busy || !online} data-testid="claim-replenish">
            {busy ? 'Looking for work…' : 'Next replenishment'}
          </button>
          {!online && <p class="hint">Replenishment needs the network.</p>}
        </section>
        <Message note={note} />
      </div>
    )
  }
  const { prompt } = state
  return (
    <div class="replenish">
      <section class="card pick" aria-labelledby="replenish-title" data-testid="replenish-step" data-step={prompt.step}>
        <h2 id="replenish-title">Replenish</h2>
        <Steps steps={STEPS} now={prompt.step} />
        <dl class="facts">
          <dt>From</dt>
          <dd class={prompt.step === 'to_location' ? '' : 'huge'} data-testid="location">{prompt.location}</dd>
          <dt>Item</dt>
          <dd>
            <strong>{prompt.sku}</strong> {prompt.description}
            {prompt.lot && <span class="badge">lot {prompt.lot}</span>}
          </dd>
          <dt>Take</dt>
          <dd class="huge" data-testid="qty">{prompt.taken ?? prompt.qty}</dd>
          <dt>To</dt>
          <dd class={prompt.step === 'to_location' ? 'huge' : ''} data-testid="to-location">{prompt.to_location}</dd>
        </dl>
        {!online ? (
          <p class="note note-info" role="status">No network: the move continues when the device is back online.</p>
        ) : prompt.step === 'quantity' ? (
          <QuantityField
            label={`How many did you take? (${prompt.qty} asked)`}
            max={prompt.qty}
            initial={String(prompt.qty)}
            submitLabel="Confirm"
            onSubmit={(qty) => void scan(qty)}
            onRefuse={(text) => { fail(); setNote({ kind: 'error', text }) }}
          />
        ) : (
          <ScanField
            label={LABEL[prompt.step] ?? 'Scan'}
            onScan={(v) => void scan(v)}
            hint={prompt.step === 'item' && prompt.lot_required ? 'Lot-tracked: scan the label with the lot.' : undefined}
          />
        )}
      </section>
      <Message note={note} />
    </div>
  )
}
