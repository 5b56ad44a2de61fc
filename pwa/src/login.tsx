import { useState } from 'preact/hooks'
import { describe } from './lib/api'
import { loginWithBadge, loginWithPassword } from './lib/auth'
import { Field, Message, type Note, Tabs } from './ui'

/** Password login, or badge + PIN as handhelds do (the badge can be scanned into its field). */
export function Login() {
  const [mode, setMode] = useState<'badge' | 'password'>('password')
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
              <input name="username" autocomplete="username" required autoFocus />
            </Field>
            <Field label="Password">
              <input name="password" type="password" autocomplete="current-password" required />
            </Field>
          </>
        ) : (
          <>
            <Field label="Badge">
              <input name="badge" autocomplete="off" inputMode="numeric" required autoFocus />
            </Field>
            <Field label="PIN">
              <input name="pin" type="password" inputMode="numeric" autocomplete="off" required />
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
