// The shell: who is logged in decides which role app shows; paths are /picker, /receiver, /rep,
// /supervisor (the server answers each with index.html).
import { useState } from 'preact/hooks'
import { session } from './lib/api'
import { logout } from './lib/auth'
import { disconnect } from './lib/live'
import { sync } from './lib/queue'
import { store, useStore } from './lib/store'
import { Login } from './login'
import { Floor } from './roles/floor'
import { Receiver } from './roles/receiver'
import { Rep } from './roles/rep'
import { Supervisor } from './roles/supervisor'
import { Ask, SyncBanner } from './ui'

export const updateReady = store<(() => void) | null>(null)

const APPS = {
  picker: { title: 'Picking', roles: ['picker', 'supervisor', 'admin'], view: Floor },
  receiver: { title: 'Receiving', roles: ['receiver', 'supervisor', 'admin'], view: Receiver },
  rep: { title: 'Sales', roles: ['sales_rep', 'supervisor', 'admin'], view: Rep },
  supervisor: { title: 'Supervisor', roles: ['supervisor', 'admin'], view: Supervisor },
} as const
type AppName = keyof typeof APPS

const path = store(location.pathname)
window.addEventListener('popstate', () => path.set(location.pathname))

export function navigate(to: string): void {
  if (to === location.pathname) return
  history.pushState(null, '', to)
  path.set(to)
}

function allowed(roles: string[]): AppName[] {
  return (Object.keys(APPS) as AppName[]).filter((name) => APPS[name].roles.some((r) => roles.includes(r)))
}

function home(roles: string[]): AppName {
  if (roles.includes('supervisor') || roles.includes('admin')) return 'supervisor'
  if (roles.includes('sales_rep')) return 'rep'
  if (roles.includes('receiver')) return 'receiver'
  return 'picker'
}

export function App() {
  const current = useStore(session)
  const where = useStore(path)
  const update = useStore(updateReady)
  if (!current) return <Login />
  const apps = allowed(current.user.roles)
  const name = where.replace(/^\//, '').split('/')[0] as AppName
  if (!apps.includes(name)) {
    navigate(`/${home(current.user.roles)}`)
    return null
  }
  const View = APPS[name].view
  return (
    <div class="app">
      <Header title={APPS[name].title} apps={apps} current={name} />
      {update && (
        <p class="banner pending" role="status" data-testid="update-banner">
          <span>A new version of Floorsync is ready.</span>
          <button type="button" class="secondary" onClick={update}>
            Reload now
          </button>
        </p>
      )}
      <SyncBanner />
      <main id="main">
        <View key={name} />
      </main>
    </div>
  )
}

function Header({ title, apps, current }: { title: string; apps: AppName[]; current: AppName }) {
  const user = useStore(session)!.user
  const [busy, setBusy] = useState(false)
  const [asking, setAsking] = useState(false)
  const queued = useStore(sync).queued
  const leave = async () => {
    setAsking(false)
    setBusy(true)
    disconnect()
    await logout()
  }
  return (
    <>
      <header class="top">
        <h1>
          <span class="brand">Floorsync</span> {title}
        </h1>
        {apps.length > 1 && (
          <label class="switch">
            <span class="sr-only">Role app</span>
            <select value={current} onChange={(e) => navigate(`/${(e.target as HTMLSelectElement).value}`)}>
              {apps.map((a) => (
                <option value={a} key={a}>
                  {APPS[a].title}
                </option>
              ))}
            </select>
          </label>
        )}
        <span class="who" data-testid="who">
          {user.display_name}
        </span>
        <button type="button" class="secondary" onClick={() => (queued ? setAsking(true) : void leave())} disabled={busy}>
          Log out
        </button>
      </header>
      {asking && (
        <Ask
          title="Log out?"
          text={`${queued} action${queued === 1 ? ' is' : 's are'} not sent yet. They stay on this device and are sent after the next login.`}
          submit="Log out"
          onDone={(answer) => (answer ? void leave() : setAsking(false))}
        />
      )}
    </>
  )
}
