// What the count, replenish, pack and ship screens share: claiming a task of one kind, the step
// strip, a quantity keypad field, and the task each screen resumes after a reload.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { post, session } from '../lib/api'
import type { AcceptedGtin } from '../lib/gtin'
import { subscribe, Versions } from '../lib/live'

/** A floor task as the handheld sees it (counts come blind: qty and qty_done are null). */
export interface FloorTask {
  id: number
  ref: string
  kind: string
  warehouse: string
  state: string
  location: string
  to_location: string | null
  sku: string | null
  description: string | null
  lot: string | null
  qty: number | null
  qty_done: number | null
  reason: string | null
  assigned_to: string | null
  version: number
  accepted_gtins?: AcceptedGtin[] // a one-item task's units, so the device checks an item scan offline
}

export const KIND_LABEL: Record<string, string> = {
  pick: 'pick',
  putaway: 'putaway',
  replenish: 'replenishment',
  count: 'count',
}

/** The answer to "next task" for ``kind``: null when there is none. The server hands back a task
 * the worker still holds first, whatever its kind: that one is refused here with what to do. */
export async function claimNext<P>(warehouse: string, kind: string): Promise<{ task: FloorTask; prompt: P } | null> {
  const answer = await post<{ task: FloorTask | null; prompt: P | null }>(`/api/warehouses/${warehouse}/tasks/next`, { kinds: [kind] })
  if (!answer.task || !answer.prompt) return null
  if (answer.task.kind !== kind) {
    throw new HeldElsewhere(
      `You still hold a ${KIND_LABEL[answer.task.kind] ?? answer.task.kind} task at ${answer.task.location}: finish it on its tab first.`,
    )
  }
  return { task: answer.task, prompt: answer.prompt }
}

export class HeldElsewhere extends Error {}

/** A refusal decided on the device (offline, or before a round trip): same beep, same message line. */
export class LocalRefusal extends Error {}

export function Steps({ steps, now }: { steps: [string, string][]; now: string }) {
  const at = steps.findIndex(([key]) => key === now)
  return (
    <ol class="steps" aria-label="Steps">
      {steps.map(([key, label], i) => (
        <li key={key} class={i === at ? 'now' : at < 0 || i < at ? 'done' : ''} aria-current={i === at ? 'step' : undefined}>
          {label}
        </li>
      ))}
    </ol>
  )
}

/** A quantity typed on the keypad (or sent by the scanner): whole numbers from 0 to ``max``.
 * ``initial`` is empty for a blind count, so nothing on screen hints at what the system expects.
 * Anything else goes to ``onRefuse`` (the screen's beep and message), never to a browser bubble. */
export function QuantityField({ label, max, initial, submitLabel, onSubmit, onRefuse }: {
  label: string
  max?: number
  initial: string
  submitLabel: string
  onSubmit(qty: number): void
  onRefuse(message: string): void
}) {
  const [value, setValue] = useState(initial)
  const input = useRef<HTMLInputElement>(null)
  // focus before the next paint: a keypad or scanner may already be sending keys
  useLayoutEffect(() => {
    input.current?.focus()
    input.current?.select()
  }, [label])
  const submit = (event: Event) => {
    event.preventDefault()
    const qty = Number(value)
    if (value.trim() === '' || !Number.isInteger(qty) || qty < 0) return onRefuse('Enter a whole number, 0 or more.')
    if (max !== undefined && qty > max) return onRefuse(`${qty} is more than the ${max} asked for: enter ${max} or less.`)
    onSubmit(qty)
    setValue(initial)
  }
  return (
    <form class="scan" onSubmit={submit} noValidate>
      <label for="qty">{label}</label>
      <div class="scan-row">
        <input id="qty" ref={input} type="number" inputMode="numeric" min={0} value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <button type="submit" class="big">
          {submitLabel}
        </button>
      </div>
    </form>
  )
}

/** A screen's current task kept per user in localStorage, so a reload (offline too) resumes it. */
export function saved<T>(key: string): { load(): T | null; save(value: T | null): void } {
  return {
    load() {
      try {
        return JSON.parse(localStorage.getItem(key) ?? 'null') as T | null
      } catch {
        return null // a damaged entry starts afresh
      }
    },
    save(value) {
      if (value === null) localStorage.removeItem(key)
      else localStorage.setItem(key, JSON.stringify(value))
    },
  }
}

/** Calls ``onTaken`` (with the new holder, or null for the pool) when a supervisor takes the task away, live. */
export function useTakenAway(warehouse: string, task: FloorTask | null, onTaken: (holder: string | null) => void): void {
  const me = session.get()!.user.username
  const callback = useRef(onTaken)
  callback.current = onTaken
  useEffect(() => {
    if (!task) return
    const versions = new Versions()
    return subscribe(`my-tasks:${warehouse}`, {
      onEvents(events) {
        for (const e of events) {
          if (e.entity_id !== String(task.id) || e.entity_version <= task.version) continue
          if (!versions.newer('task', e.entity_id, e.entity_version)) continue
          if (e.data.assigned_to !== me) callback.current((e.data.assigned_to as string | null) ?? null)
        }
      },
      onReset() {
        /* the task is re-read when the screen opens again; nothing to refetch mid-task */
      },
    })
  }, [warehouse, task?.id])
}
