// The device's IndexedDB: its registration, numbered mutations and queued HTTP commands, and the
// answers the server rejected (kept until the user has seen them).
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

export interface QueuedMutation {
  mutation_id: number
  kind: string
  payload: Record<string, unknown>
  label: string // what the person did, for the queue list and rejections
  user: string
  created_at: string
}

export interface QueuedCommand {
  key: string // the Idempotency-Key: a replay of the same command answers the stored response
  seq: number
  method: string
  path: string
  body: unknown
  label: string
  user: string
  created_at: string
}

export interface Rejection {
  id?: number
  ref: string // mutation id or command key
  label: string
  code: string
  detail: string
  at: string
}

export interface Device {
  id: string
  name: string
}

interface Schema extends DBSchema {
  mutations: { key: number; value: QueuedMutation }
  commands: { key: string; value: QueuedCommand; indexes: { seq: number } }
  rejections: { key: number; value: Rejection }
  kv: { key: string; value: unknown }
}

let opened: Promise<IDBPDatabase<Schema>> | null = null

export function db(): Promise<IDBPDatabase<Schema>> {
  opened ??= openDB<Schema>('floorsync', 1, {
    upgrade(database) {
      database.createObjectStore('mutations', { keyPath: 'mutation_id' })
      database.createObjectStore('commands', { keyPath: 'key' }).createIndex('seq', 'seq')
      database.createObjectStore('rejections', { keyPath: 'id', autoIncrement: true })
      database.createObjectStore('kv')
    },
  })
  return opened
}

export async function getDevice(): Promise<Device | null> {
  return ((await (await db()).get('kv', 'device')) as Device | undefined) ?? null
}

/** Remember the registered device. A new registration numbers anew: queued work is renumbered. */
export async function setDevice(device: Device, lastMutationId: number): Promise<void> {
  const tx = (await db()).transaction(['kv', 'mutations'], 'readwrite')
  const kv = tx.objectStore('kv')
  const known = (await kv.get('device')) as Device | undefined
  let next = ((await kv.get('next_mutation_id')) as number | undefined) ?? 1
  if (known?.id !== device.id) {
    const mutations = tx.objectStore('mutations')
    const queued = await mutations.getAll()
    await mutations.clear()
    next = lastMutationId + 1
    for (const entry of queued) await mutations.put({ ...entry, mutation_id: next++ })
  }
  await kv.put(device, 'device')
  await kv.put(Math.max(next, lastMutationId + 1), 'next_mutation_id')
  await tx.done
}

/** Number the mutation and store it in one transaction, so two tabs never reuse an id. */
export async function addMutation(entry: Omit<QueuedMutation, 'mutation_id'>): Promise<QueuedMutation> {
  const tx = (await db()).transaction(['kv', 'mutations'], 'readwrite')
  const kv = tx.objectStore('kv')
  const id = ((await kv.get('next_mutation_id')) as number | undefined) ?? 1
  await kv.put(id + 1, 'next_mutation_id')
  const stored = { ...entry, mutation_id: id }
  await tx.objectStore('mutations').put(stored)
  await tx.done
  return stored
}

export async function addCommand(entry: Omit<QueuedCommand, 'seq'>): Promise<void> {
  const database = await db()
  const seq = Date.now() * 1000 + Math.floor(Math.random() * 1000)
  await database.put('commands', { ...entry, seq })
}
