// The handheld's floor app: picking and the other task kinds the server hands out, one tab each.
// The tab is remembered per device, so a reload (offline too) lands where the worker was.
import { useState } from 'preact/hooks'
import { session } from '../lib/api'
import { Tabs } from '../ui'
import { Counting } from './counting'
import { PackShip } from './packing'
import { Picker } from './picker'
import { WarehousePicker } from './picking-state'
import { Replenish } from './replenish'

type Work = 'pick' | 'count' | 'replenish' | 'pack'
const TABS: [Work, string][] = [
  ['pick', 'Pick'],
  ['count', 'Count'],
  ['replenish', 'Refill'],
  ['pack', 'Pack'],
]
const KEY = 'fs.floor.tab'

export function Floor() {
  const user = session.get()!.user
  const [tab, setTabState] = useState<Work>(() => (TABS.some(([t]) => t === localStorage.getItem(KEY)) ? (localStorage.getItem(KEY) as Work) : 'pick'))
  const [warehouse, setWarehouse] = useState(user.warehouses[0] ?? 'WH1')
  const setTab = (next: Work) => {
    localStorage.setItem(KEY, next)
    setTabState(next)
  }
  return (
    <div class="floor">
      <Tabs tabs={TABS} current={tab} onChange={setTab} />
      {tab === 'pick' ? (
        <Picker />
      ) : (
        <>
          <WarehousePicker warehouses={user.warehouses} value={warehouse} onChange={setWarehouse} />
          {tab === 'count' && <Counting key={warehouse} warehouse={warehouse} />}
          {tab === 'replenish' && <Replenish key={warehouse} warehouse={warehouse} />}
          {tab === 'pack' && <PackShip key={warehouse} warehouse={warehouse} />}
        </>
      )}
    </div>
  )
}
