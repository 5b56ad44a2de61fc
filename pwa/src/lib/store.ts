// A tiny observable value and its Preact hook: enough shared state for this app without a library.
import { useEffect, useState } from 'preact/hooks'

export interface Store<T> {
  get(): T
  set(value: T): void
  update(change: (value: T) => T): void
  subscribe(listener: (value: T) => void): () => void
}

export function store<T>(initial: T): Store<T> {
  let value = initial
  const listeners = new Set<(value: T) => void>()
  return {
    get: () => value,
    set(next) {
      if (next === value) return
      value = next
      for (const listener of [...listeners]) listener(value)
    },
    update(change) {
      this.set(change(value))
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export function useStore<T>(source: Store<T>): T {
  // always through a function: a store may hold a function (the app update's reload), which
  // useState would otherwise call as an initialiser or an updater
  const [value, setValue] = useState(() => source.get())
  useEffect(() => {
    const take = (next: T) => setValue(() => next)
    take(source.get())
    return source.subscribe(take)
  }, [source])
  return value
}
