// What a rep last saw of the catalog, customers and prices, kept on the device (IndexedDB) so a
// tablet on poor mobile data can still browse; each record keeps when it was fetched, so the
// screen can say "as of". Per user, and dropped at logout.
import { NetworkError, session } from './api'
import { db } from './db'

export interface Kept<T> {
  value: T
  at: string // ISO time of the fetch
}

const key = (name: string) => `cache:${session.get()?.user.username ?? ''}:${name}`

/** Merge fetched records into the kept ones (by their own key), each stamped with now. */
export async function keep<T>(name: string, records: Record<string, T>): Promise<void> {
  if (!session.get()) return // an answer arriving after logout is not kept
  const database = await db()
  const at = new Date().toISOString()
  const tx = database.transaction('kv', 'readwrite')
  const kept = ((await tx.store.get(key(name))) as Record<string, Kept<T>> | undefined) ?? {}
  for (const [id, value] of Object.entries(records)) kept[id] = { value, at }
  await tx.store.put(kept, key(name))
  await tx.done
}

/** Everything kept under ``name`` (empty when nothing was). */
export async function kept<T>(name: string): Promise<Record<string, Kept<T>>> {
  return (((await (await db()).get('kv', key(name))) as Record<string, Kept<T>> | undefined) ?? {})
}

/** Fetch, keeping the answer's records; when the network is down, answer from what was kept instead. */
export async function fetchOrKept<T, R>(
  name: string,
  fetch: () => Promise<T>,
  { records, fallback }: { records(answer: T): Record<string, R>; fallback(kept: Record<string, Kept<R>>): T },
): Promise<{ answer: T; offline: boolean }> {
  try {
    const answer = await fetch()
    await keep(name, records(answer))
    return { answer, offline: false }
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error
    return { answer: fallback(await kept<R>(name)), offline: true }
  }
}

/** Forget this user's kept records (at logout: the next person on the device sees none of them). */
export async function forgetKept(): Promise<void> {
  const database = await db()
  const prefix = key('')
  for (const name of await database.getAllKeys('kv')) {
    if (String(name).startsWith(prefix)) await database.delete('kv', name)
  }
}

/** A time of day for "as of" labels. */
export function asOf(at: string): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}
