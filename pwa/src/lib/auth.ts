// Logging in (password, or badge + PIN on handhelds), binding the login to this install's device
// (lib/device registers it), and logging out. The device id is kept across logins: every login on
// this install is bound to it, so its numbered mutation queue stays one sequence whoever holds it.
import { adopt, api, post, session, type User } from './api'
import { getDevice } from './db'
import { ensureDevice } from './device'
import { forgetKept } from './offline-cache'
import { flush, sync } from './queue'

interface TokenAnswer {
  access_token: string
  refresh_token: string
  expires_in: number
  user: User
}

async function withDevice(login: (deviceId?: string) => Promise<TokenAnswer>): Promise<User> {
  const device = await getDevice()
  let answer: TokenAnswer
  try {
    answer = await login(device?.id)
  } catch (error) {
    // a device an administrator disabled (or a fresh database), or one enrolled to whoever used
    // this install before, cannot be used: enrol anew for this user
    const code = (error as { code?: string }).code
    if (device && (code === 'auth.device_disabled' || code === 'auth.device_not_yours')) answer = await login(undefined)
    else throw error
  }
  adopt(answer)
  try {
    await ensureDevice()
  } catch {
    // a network drop (or a reload) cut the registration short: the queue retries it before any replay
  }
  void flush()
  return session.get()!.user
}

export function loginWithPassword(username: string, password: string): Promise<User> {
  return withDevice((device_id) =>
    api<TokenAnswer>('POST', '/api/auth/login', { username, password, ...(device_id ? { device_id } : {}) }, { auth: false }),
  )
}

export function loginWithBadge(badge: string, pin: string): Promise<User> {
  return withDevice((device_id) =>
    api<TokenAnswer>('POST', '/api/auth/badge', { badge, pin, ...(device_id ? { device_id } : {}) }, { auth: false }),
  )
}

/** End the login on the server (when reachable) and here. Queued work stays on the device. */
export async function logout(): Promise<void> {
  await flush()
  try {
    await post('/api/auth/logout')
  } catch {
    // offline or already ended: the refresh token is dropped here either way
  }
  await forgetKept()
  session.set(null)
  sync.update((s) => ({ ...s, problem: null }))
}
