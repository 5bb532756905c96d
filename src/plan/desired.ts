import {architectureView} from '../profile/architecture.js'
import type {Profile} from '../profile/load.js'

export type AccountRole = 'lb' | 'app' | 'lb+app' | 'idle'

/** What one account's instance should be under an architecture. */
export interface DesiredAccount {
  account: string
  role: AccountRole
  state: 'running' | 'stopped'
  /** null: keep whatever type the instance has. */
  type: string | null
  /** The app ports it serves in the upstream (empty unless it runs an app). */
  ports: number[]
}

/**
 * The desired state of every account of the profile (in file order) under
 * architecture `archId`: the nginx host and the app servers run, every
 * other account is stopped. Only the LB's type is ever set; app servers keep
 * theirs. Pure: reads the profile only.
 */
export function desiredState(profile: Profile, archId: string): DesiredAccount[] {
  const arch = architectureView(profile, archId)
  const ports = new Map(arch.apps.map((a) => [a.account, a.ports]))
  return profile.accounts.map(({name}): DesiredAccount => {
    const isLb = name === arch.lb.account
    const appPorts = ports.get(name)
    if (isLb) {
      return {account: name, role: appPorts ? 'lb+app' : 'lb', state: 'running', type: arch.lb.instanceType, ports: appPorts ?? []}
    }
    if (appPorts) return {account: name, role: 'app', state: 'running', type: null, ports: appPorts}
    return {account: name, role: 'idle', state: 'stopped', type: null, ports: []}
  })
}
