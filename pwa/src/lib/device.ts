// This install as a registered device. Numbered mutations need a device id on the server, so the
// registration at first login is retried until it succeeds (a network drop or a reload may cut it
// short); the queue asks for it before every replay and never waits on a registration that failed.
import { adopt, post, session, type User } from './api'
import { type Device, getDevice, setDevice } from './db'

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

/** Whether this login still lacks a registered device its mutations can be numbered on. */
export async function needsRegistration(): Promise<boolean> {
  const user = session.get()?.user
  if (!user) return false
  const known = await getDevice()
  return !user.device_id || known?.id !== user.device_id
}

let registering: Promise<Device> | null = null

/**
 * The device this login is bound to, registering it first when needed. Throws what the server
 * (or the network) answered; the caller retries. One registration at a time: two calls share it.
 */
export function ensureDevice(): Promise<Device> {
  registering ??= (async () => {
    const known = await getDevice()
    if (!(await needsRegistration()) && known) return known
    // a device kept from an earlier login keeps its name; its queued work is renumbered for the new id
    const registered = await post<DeviceRegistered>('/api/devices', {
      name: known?.name ?? defaultDeviceName(),
      platform: navigator.userAgent.slice(0, 64),
    })
    const device = { id: registered.device.id, name: registered.device.name }
    await setDevice(device, registered.device.last_mutation_id)
    adopt(registered.tokens ?? (await post<TokenAnswer>('/api/auth/device', { device_id: registered.device.id })))
    return device
  })().finally(() => {
    registering = null
  })
  return registering
}
