// HTTP to the Floorsync API: bearer tokens, refresh before they lapse, RFC 9457 problems as errors.
import { store } from './store'

export interface User {
  id: number
  username: string
  display_name: string
  roles: string[]
  warehouses: string[]
  device_id: string | null
}

export interface Session {
  access_token: string
  refresh_token: string
  expires_at: number // ms since epoch, a little before the token really lapses
  user: User
}

interface TokenAnswer {
  access_token: string
  refresh_token: string
  expires_in: number
  user: User
}

/** An answer the server gave with an error status: `code` is stable, `detail` is for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail)
  }
}

/** No answer at all: the network is down (or the server is). */
export class NetworkError extends Error {}

const SESSION_KEY = 'fs.session'
// kept in localStorage so a reload in a freezer (offline) still knows who is logged in
export const session = store<Session | null>(readSession())
session.subscribe((value) => {
  if (value) localStorage.setItem(SESSION_KEY, JSON.stringify(value))
  else localStorage.removeItem(SESSION_KEY)
})

function readSession(): Session | null {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as Session | null
  } catch {
    return null
  }
}

export function adopt(answer: TokenAnswer): Session {
  const value: Session = {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    // refresh 60 s early so a request never leaves with a token about to expire
    expires_at: Date.now() + Math.max(answer.expires_in - 60, 10) * 1000,
    user: answer.user,
  }
  session.set(value)
  return value
}

async function send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    })
  } catch (error) {
    throw new NetworkError(error instanceof Error ? error.message : String(error))
  }
}

async function decode<T>(response: Response): Promise<T> {
  const text = await response.text()
  const data = text ? (JSON.parse(text) as unknown) : null
  if (!response.ok) {
    const problem = (data ?? {}) as Record<string, unknown>
    throw new ApiError(
      response.status,
      String(problem.code ?? `http.${response.status}`),
      String(problem.detail ?? response.statusText),
      problem,
    )
  }
  return data as T
}

let refreshing: Promise<Session | null> | null = null

/** Swap the refresh token for a new pair, once at a time across tabs (a reused token ends the login). */
export function refresh(): Promise<Session | null> {
  refreshing ??= (async () => {
    const run = async (): Promise<Session | null> => {
      const stored = readSession() // another tab may have refreshed already
      if (stored && stored.expires_at > Date.now() + 5_000 && stored.refresh_token !== session.get()?.refresh_token) {
        session.set(stored)
        return stored
      }
      const current = session.get()
      if (!current) return null
      const response = await send('POST', '/api/auth/refresh', { refresh_token: current.refresh_token }, {})
      if (response.status === 401) {
        session.set(null)
        return null
      }
      return adopt(await decode<TokenAnswer>(response))
    }
    return navigator.locks ? navigator.locks.request('fs.refresh', run) : run()
  })().finally(() => {
    refreshing = null
  })
  return refreshing
}

/** A fresh access token (refreshing first when it is about to lapse), or null when logged out. */
export async function freshToken(): Promise<string | null> {
  const current = session.get()
  if (!current) return null
  if (current.expires_at > Date.now()) return current.access_token
  return (await refresh())?.access_token ?? null
}

export interface CallOptions {
  idempotencyKey?: string
  auth?: boolean
}

/** Call the API; throws ApiError for a problem answer and NetworkError when nothing answered. */
export async function api<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = {}
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
  if (options.auth === false) return decode<T>(await send(method, path, body, headers))
  const token = await freshToken()
  if (!token) throw new ApiError(401, 'auth.unauthenticated', 'Log in again.')
  let response = await send(method, path, body, { ...headers, Authorization: `Bearer ${token}` })
  if (response.status === 401) {
    // the token may have been revoked or expired early: one refresh, one retry
    const renewed = await refresh()
    if (!renewed) throw new ApiError(401, 'auth.session_ended', 'Your login has ended; log in again.')
    response = await send(method, path, body, { ...headers, Authorization: `Bearer ${renewed.access_token}` })
  }
  return decode<T>(response)
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body: unknown = {}, options?: CallOptions) => api<T>('POST', path, body, options)

export function newKey(): string {
  return crypto.randomUUID()
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.detail
  if (error instanceof NetworkError) return 'No network: try again when back online.'
  return error instanceof Error ? error.message : String(error)
}
