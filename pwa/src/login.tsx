import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { describe } from './lib/api'
import { loginWithBadge, loginWithPassword } from './lib/auth'
import { Field, Message, type Note, Tabs } from './ui'

type Mode = 'badge' | 'password'
const MODE_KEY = 'fs.login-mode'

/** Password login, or badge + PIN as handhelds do (the badge can be scanned into its field). */
export function Login() {
  // a handheld logs in by badge shift after shift: it opens on the way it was last used
  const [mode, setModeState] = useState<Mode>(() => (localStorage.getItem(MODE_KEY) === 'badge' ? 'badge' : 'password'))
  const setMode = (next: Mode) => {
    localStorage.setItem(MODE_KEY, next)
    setModeState(next)
  }
  const first = useRef<HTMLInputElement>(null)
  const pin = useRef<HTMLInputElement>(null)
  // focus before the next paint, on every tab change too: a wedge scan may follow the tap at once
  useLayoutEffect(() => first.current?.focus(), [mode])
  // a wedge ends the badge with Enter: that moves on to the PIN instead of submitting half a login
  const badgeKey = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || pin.current?.value) return
    event.preventDefault()
    if ((event.target as HTMLInputElement).value.trim()) pin.current?.focus()
  }
  const [note, setNote] = useState<Note>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    const value = (name: string) => String(form.get(name) ?? '').trim()
    setBusy(true)
    setNote(null)
    try {
      if (mode === 'badge') await loginWithBadge(value('badge'), value('pin'))
      else await loginWithPassword(value('username'), String(form.get('password') ?? ''))
    } catch (error) {
      setNote({ kind: 'error', text: describe(error) })
      setBusy(false)
    }
  }
  return (
    <main class="login" id="main">
      <h1>
        <img src="/icon-192.png" alt="" width="48" height="48" /> Floorsync
      </h1>
      <Tabs
        tabs={[
          ['password', 'Password'],
          ['badge', 'Badge + PIN'],
        ]}
        current={mode}
        onChange={setMode}
      />
      <form onSubmit={submit} class="stack">
        {mode === 'password' ? (
          <>
            <Field label="Username">
              <input ref={first} name="username" autocomplete="username" required />
            </Field>
            <Field label="Password">
              <input name="password" type="password" autocomplete="current-password" required />
            </Field>
          </>
        ) : (
          <>
            <Field label="Badge">
              <input ref={first} name="badge" autocomplete="off" inputMode="numeric" required onKeyDown={badgeKey} />
            </Field>
            <Field label="PIN">
              <input ref={pin} name="pin" type="password" inputMode="numeric" autocomplete="off" required />
            </Field>
          </>
        )}
        <button type="submit" class="big" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <Message note={note} />
      </form>
    </main>
  )
}
