// Shared pieces of every role's screen: the scan field, camera, sync banner, messages and tabs.
import type { ComponentChildren } from 'preact'
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Rejection } from './lib/db'
import { dismissRejection, flush, sync } from './lib/queue'
import { useStore } from './lib/store'
import { liveStatus } from './lib/live'

export type Note = { kind: 'ok' | 'error' | 'info'; text: string } | null

/** The line under a step telling what just happened; errors are announced assertively. */
export function Message({ note }: { note: Note }) {
  if (!note) return <p class="note" role="status" aria-live="polite" />
  return (
    <p class={`note note-${note.kind}`} role={note.kind === 'error' ? 'alert' : 'status'} aria-live={note.kind === 'error' ? 'assertive' : 'polite'}>
      {note.text}
    </p>
  )
}

interface ScanFieldProps {
  label: string
  onScan(value: string): void
  disabled?: boolean
  hint?: string
  id?: string
  autoFocus?: boolean
}

/**
 * Where a keyboard-wedge scanner types: it sends the code as fast keystrokes ending in Enter. The
 * field keeps the focus after each scan so the next trigger pull lands here too.
 */
export function ScanField({ label, onScan, disabled, hint, id = 'scan', autoFocus = true }: ScanFieldProps) {
  const input = useRef<HTMLInputElement>(null)
  const [camera, setCamera] = useState(false)
  // focus before the next paint: the scanner may fire again right away
  useLayoutEffect(() => {
    if (autoFocus && !disabled) input.current?.focus()
  }, [label, disabled, autoFocus])
  const submit = (event: Event) => {
    event.preventDefault()
    const value = input.current?.value.trim() ?? ''
    if (!value) return
    input.current!.value = ''
    onScan(value)
    input.current?.focus()
  }
  return (
    <form class="scan" onSubmit={submit}>
      <label for={id}>{label}</label>
      <div class="scan-row">
        <input
          id={id}
          ref={input}
          name={id}
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          enterkeyhint="go"
          disabled={disabled}
          aria-describedby={hint ? `${id}-hint` : undefined}
        />
        <button type="button" class="secondary" onClick={() => setCamera(true)} disabled={disabled} title="Scan with the camera">
          Camera
        </button>
      </div>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
      {camera && (
        <CameraScan
          onClose={() => setCamera(false)}
          onScan={(value) => {
            setCamera(false)
            onScan(value)
          }}
        />
      )}
    </form>
  )
}

function CameraScan({ onScan, onClose }: { onScan(value: string): void; onClose(): void }) {
  const video = useRef<HTMLVideoElement>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const stop = new AbortController()
    import('./lib/camera')
      .then(({ scanFromCamera }) => scanFromCamera(video.current!, stop.signal))
      .then((value) => value && onScan(value))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
    return () => stop.abort()
  }, [])
  return (
    <div class="camera" role="dialog" aria-modal="true" aria-label="Camera scanner">
      <video ref={video} muted playsInline />
      {error && <p role="alert">Camera unavailable: {error}</p>}
      <button type="button" onClick={onClose}>
        Close camera
      </button>
    </div>
  )
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** Offline banner with the number of queued actions and what they wait for, and what the server refused. */
export function SyncBanner() {
  const state = useStore(sync)
  const live = useStore(liveStatus)
  const waiting = state.registering ? 'this device is registered with the server' : null
  return (
    <div class="sync" data-testid="sync">
      {!state.online && (
        <p class="banner offline" role="status" data-testid="offline-banner">
          Offline: {plural(state.queued, 'action')} queued; {waiting ? `they are sent once back online and ${waiting}` : 'they are sent when the network is back'}.
        </p>
      )}
      {state.online && (state.queued > 0 || state.registering) && (
        <p class="banner pending" role="status" data-testid="pending-banner">
          <span>
            {waiting
              ? `Registering this device with the server; ${plural(state.queued, 'queued action')} ${state.queued === 1 ? 'waits' : 'wait'} for it.`
              : `${state.syncing ? 'Sending' : 'Waiting to send'} ${plural(state.queued, 'queued action')}.`}
          </span>
          <button type="button" class="secondary" onClick={() => void flush()}>
            {waiting ? 'Retry now' : 'Send now'}
          </button>
        </p>
      )}
      {state.online && state.queued === 0 && !state.registering && live === 'offline' && (
        <p class="banner pending" role="status">
          Reconnecting live updates…
        </p>
      )}
      {state.problem && (
        <p class="banner error" role="alert">
          {state.problem}
        </p>
      )}
      {state.rejections.length > 0 && <Refused rejections={state.rejections} />}
    </div>
  )
}

/** The latest refused action as one line (the reason in plain words), with how many more wait to be seen. */
function Refused({ rejections }: { rejections: Rejection[] }) {
  const latest = rejections[rejections.length - 1]
  const more = rejections.length - 1
  return (
    <p class="banner error rejection" role="alert" data-testid="rejections">
      <span>
        Not done: {latest.label}. {latest.detail}
        {more > 0 && ` (+${more} more)`}
      </span>
      <button type="button" class="secondary" onClick={() => void dismissRejection(latest.id!)}>
        Dismiss
      </button>
    </p>
  )
}

export function Tabs<T extends string>({ tabs, current, onChange }: { tabs: [NoInfer<T>, string][]; current: T; onChange(tab: NoInfer<T>): void }) {
  return (
    <nav class="tabs" aria-label="Sections">
      {tabs.map(([key, label]) => (
        <button type="button" key={key} aria-current={current === key ? 'page' : undefined} onClick={() => onChange(key)}>
          {label}
        </button>
      ))}
    </nav>
  )
}

export interface Answer {
  text: string
  checked: boolean
}

interface AskProps {
  title: string
  label?: string // the text asked for; without it the dialog only asks yes or no
  text?: string // what the question is about
  submit: string
  required?: boolean
  check?: string // an optional yes/no asked with the text
  onDone(answer: Answer | null): void
}

/** An in-app question (instead of the browser's prompt() or confirm()): a modal dialog with a text and maybe a checkbox. */
export function Ask({ title, label, text, submit, required = false, check, onDone }: AskProps) {
  const dialog = useRef<HTMLDialogElement>(null)
  useLayoutEffect(() => {
    dialog.current?.showModal()
  }, [])
  const done = (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    onDone({ text: String(form.get('text') ?? '').trim(), checked: form.get('check') === 'on' })
  }
  return (
    <dialog ref={dialog} class="ask" aria-labelledby="ask-title" onCancel={(e) => { e.preventDefault(); onDone(null) }}>
      <form class="stack" onSubmit={done}>
        <h2 id="ask-title">{title}</h2>
        {text && <p>{text}</p>}
        {label && (
          <Field label={label}>
            <textarea name="text" rows={3} required={required} maxLength={500} />
          </Field>
        )}
        {check && (
          <label class="check">
            <input type="checkbox" name="check" /> {check}
          </label>
        )}
        <div class="row">
          <button type="submit">{submit}</button>
          <button type="button" class="secondary" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  )
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  )
}

export function money(amount: { amount: number; currency: string } | null | undefined): string {
  if (!amount) return '–'
  // minor units per the currency's own decimals (2 for EUR, 0 for JPY, 3 for KWD)
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: amount.currency })
  return format.format(amount.amount / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2))
}

/** Small bar chart (SVG) for KPI tiles. */
export function Spark({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values)
  const width = 120
  const bar = width / Math.max(values.length, 1)
  return (
    <svg class="spark" viewBox={`0 0 ${width} 32`} role="img" aria-label={label}>
      {values.map((v, i) => (
        <rect key={i} x={i * bar + 1} y={32 - (v / max) * 30} width={Math.max(bar - 2, 1)} height={(v / max) * 30} />
      ))}
    </svg>
  )
}
