import type {ErrorInfo} from '../errors.js'
import type {ArchAppView} from '../profile/architecture.js'
import type {InstanceView} from '../fleet/instances.js'

/** An app server of the architecture, with its instance as read now. */
export interface AppInstance extends ArchAppView {
  instance: InstanceView | null
  error: ErrorInfo | null
}

export interface Skipped {
  account: string
  reason: string
}

/**
 * The upstream's servers: every running app instance at its current
 * public or private IP (nginx.address) on each of its ports, in the
 * architecture's order. Stopped apps are skipped and said so. Pure.
 */
export function wantedServers(apps: readonly AppInstance[], address: 'public' | 'private'): {servers: string[]; skipped: Skipped[]} {
  const servers: string[] = []
  const skipped: Skipped[] = []
  for (const app of apps) {
    if (!app.instance) {
      skipped.push({account: app.account, reason: app.error?.message ?? 'no instance'})
      continue
    }
    if (app.instance.state !== 'running') {
      skipped.push({account: app.account, reason: `its instance is ${app.instance.state}`})
      continue
    }
    const ip = address === 'public' ? app.instance.publicIp : app.instance.privateIp
    if (!ip) {
      skipped.push({account: app.account, reason: `its instance has no ${address} IP`})
      continue
    }
    for (const port of app.ports) {
      const server = `${ip}:${port}`
      if (!servers.includes(server)) servers.push(server)
    }
  }
  return {servers, skipped}
}
