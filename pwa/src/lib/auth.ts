// Logging in (password, or badge + PIN on handhelds), registering this install as a device, and
// logging out. The device id is kept across logins: every login on this install is bound to it,
// so its numbered mutation queue stays one sequence whoever holds the handheld.
import { adopt, api, post, session, type User } from './api'
import { getDevice, setDevice } from './db'
import { flush, sync } from './queue'

interface TokenAnswer {
  access_token: string
  refresh_token: string
  expires_in: number
  user: User
}

interface DeviceRegistered {
  device: { id: string; name: string; last_mutation_id: number }
  tokens: TokenAnswer | null // null when the server answered a replay: tokens are never stored
}

function defaultDeviceName(): string {
  const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform
  return `${platform || 'Browser'} ${crypto.randomUUID().slice(0, 4).toUpperCase()}`
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
  if (!answer.user.device_id) {
    const registered = await post<DeviceRegistered>('/api/devices', {
      name: device?.name ?? defaultDeviceName(),
      platform: navigator.userAgent.slice(0, 64),
    })
    await setDevice({ id: registered.device.id, name: registered.device.name }, registered.device.last_mutation_id)
    adopt(registered.tokens ?? (await post<TokenAnswer>('/api/auth/device', { device_id: registered.device.id })))
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
  session.set(null)
  sync.update((s) => ({ ...s, problem: null }))
}
