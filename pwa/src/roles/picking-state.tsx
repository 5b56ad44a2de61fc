// Picking's state, kept per user in localStorage so a reload (offline too) resumes the trip.
import type { AcceptedGtin } from '../lib/gtin'

export interface Task {
  id: number
  ref: string
  kind: string
  warehouse: string
  state: string
  priority: number
  location: string
  zone: string
  to_location: string | null
  sku: string
  description: string
  lot: string | null
  qty: number
  qty_done: number
  order: string | null
  wave: string | null
  tote: string | null
  sequence: number
  assigned_to: string | null
  version: number
  reason: string | null
  // what the item step accepts, so a wrong item is refused at the bin offline too
  accepted_gtins?: AcceptedGtin[]
  lot_required?: boolean
  // client-side marks
  queued?: boolean
  taken?: boolean
  rejected?: string
}

export interface Prompt {
  step: 'location' | 'item' | 'quantity' | 'tote' | 'done'
  task_id: string
  location: string
  sku: string
  description: string
  lot: string | null
  lot_required: boolean
  qty_expected: number
  qty_picked: number | null
  tote: string | null
}

export interface LocalScans {
  location?: string
  item?: string
  qty?: number
  tote?: string
}

export interface TripState {
  warehouse: string
  tasks: Task[]
  current: number | null
  prompts: Record<number, Prompt>
  local: Record<number, LocalScans> // tasks being picked offline
}

const key = (user: string, warehouse: string) => `fs.trip.${user}.${warehouse}`

export function loadTrip(user: string, warehouse: string): TripState {
  try {
    const saved = JSON.parse(localStorage.getItem(key(user, warehouse)) ?? 'null') as TripState | null
    if (saved) return saved
  } catch {
    // a damaged entry starts a fresh trip
  }
  return { warehouse, tasks: [], current: null, prompts: {}, local: {} }
}

export function saveTrip(user: string, trip: TripState): void {
  localStorage.setItem(key(user, trip.warehouse), JSON.stringify(trip))
}

export function stepsOf(task: Task): string[] {
  return task.tote ? ['location', 'item', 'quantity', 'tote'] : ['location', 'item', 'quantity']
}

export function WarehousePicker({ warehouses, value, onChange }: { warehouses: string[]; value: string; onChange(w: string): void }) {
  if (warehouses.length < 2) return null
  return (
    <label class="field inline">
      <span>Warehouse</span>
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {warehouses.map((w) => (
          <option key={w} value={w}>
            {w}
          </option>
        ))}
      </select>
    </label>
  )
}
