import { render } from 'preact'
import { registerSW } from 'virtual:pwa-register'
import { App, updateReady } from './app'
import { startSync } from './lib/queue'
import './styles.css'

// a new version waits until the person chooses to reload (never in the middle of a pick)
const updateSW = registerSW({
  onNeedRefresh() {
    updateReady.set(() => void updateSW(true))
  },
})

startSync()
render(<App />, document.getElementById('app')!)
