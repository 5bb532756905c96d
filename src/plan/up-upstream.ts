import type {DesiredAccount} from './desired.js'
import {isLeftAlone, type PlannedChange} from './plan.js'

/** The addresses of an instance as read now (InstanceView has them). */
export interface InstanceAddresses {
  publicIp?: string | null
  privateIp?: string | null
}

export type UpstreamChange = 'stays' | 'joins' | 'leaves'

/** Why a server leaves the upstream. */
export type LeaveReason = 'stops' | 'outdated' | 'not-in-architecture' | 'unknown-server'

/** One server of the upstream, before or after. */
export interface UpstreamEntry {
  change: UpstreamChange
  /** `ip:port`; null when the IP is only known once the instance has started. */
  server: string | null
  /** The account whose instance has this IP; null when no instance of the profile has it. */
  account: string | null
  port: number
  reason?: LeaveReason
}

export interface UpstreamPlan {
  /** The servers as they are now; null when they were not read (e.g. the LB is stopped). */
  before: string[] | null
  /** What the final sync writes, in the architecture's order. */
  after: Array<{account: string; port: number; server: string | null}>
  /** Before and after in one list: the servers now (staying or leaving), then the ones that join. */
  entries: UpstreamEntry[]
  /** Servers to take out of the upstream before anything stops (spec: step 1). */
  drain: string[]
  /** Accounts that will stop while serving: their servers leave first (for an executor that re-reads the upstream). */
  drainAccounts: string[]
  /** null when `before` is unknown. */
  changed: boolean | null
}

export interface UpstreamInput {
  desired: readonly DesiredAccount[]
  plan: readonly PlannedChange[]
  instances: ReadonlyMap<string, InstanceAddresses | null>
  /** nginx.address: which IP of an app goes upstream. */
  address: 'public' | 'private'
  before: readonly string[] | null
}

/**
 * The upstream before and after the run. A public IP is new after every
 * start (a stopped instance has none); a private IP survives stop and start.
 * Servers of instances that will stop are drained first. Pure.
 */
export function planUpstream(input: UpstreamInput): UpstreamPlan {
  const changes = new Map(input.plan.map((c) => [c.account, c]))
  const after = afterServers(input, changes)
  const drainAccounts = input.desired
    .filter((d) => d.role !== 'lb' && changes.get(d.account)?.steps.includes('stop'))
    .map((d) => d.account)
  if (input.before === null) {
    const entries = after.map((a): UpstreamEntry => ({change: 'joins', ...a}))
    return {before: null, after, entries, drain: [], drainAccounts, changed: null}
  }
  const owners = ipOwners(input.instances)
  const afterSet = new Set(after.flatMap((a) => (a.server ? [a.server] : [])))
  const entries: UpstreamEntry[] = input.before.map((server) => {
    const {host, port} = splitServer(server)
    const account = owners.get(host) ?? null
    if (afterSet.has(server)) return {change: 'stays', server, account, port}
    return {change: 'leaves', server, account, port, reason: leaveReason(account, changes, input.desired)}
  })
  const beforeSet = new Set(input.before)
  for (const a of after) if (a.server === null || !beforeSet.has(a.server)) entries.push({change: 'joins', ...a})
  const drain = entries.filter((e) => e.reason === 'stops').map((e) => e.server!)
  const changed = entries.some((e) => e.change !== 'stays')
  return {before: [...input.before], after, entries, drain, drainAccounts, changed}
}

function afterServers(input: UpstreamInput, changes: ReadonlyMap<string, PlannedChange>): UpstreamPlan['after'] {
  const after: UpstreamPlan['after'] = []
  for (const d of input.desired) {
    const change = changes.get(d.account)
    if (!change || isLeftAlone(change) || change.to.state !== 'running') continue
    const now = input.instances.get(d.account) ?? null
    const keepsIp = input.address === 'private' || !change.steps.includes('start')
    const ip = keepsIp ? ((input.address === 'public' ? now?.publicIp : now?.privateIp) ?? null) : null
    for (const port of d.ports) after.push({account: d.account, port, server: ip ? `${ip}:${port}` : null})
  }
  return after
}

function leaveReason(account: string | null, changes: ReadonlyMap<string, PlannedChange>, desired: readonly DesiredAccount[]): LeaveReason {
  if (account === null) return 'unknown-server'
  if (changes.get(account)?.steps.includes('stop')) return 'stops'
  const inArchitecture = desired.some((d) => d.account === account && d.ports.length > 0)
  return inArchitecture ? 'outdated' : 'not-in-architecture'
}

/** Every IP (public and private) of every instance, to name the account behind a server. */
function ipOwners(instances: ReadonlyMap<string, InstanceAddresses | null>): Map<string, string> {
  const owners = new Map<string, string>()
  for (const [account, i] of instances) {
    if (i?.publicIp) owners.set(i.publicIp, account)
    if (i?.privateIp) owners.set(i.privateIp, account)
  }
  return owners
}

/** `10.0.0.1:8080` → host and port; an IPv6 `[::1]:8080` keeps its brackets off. */
export function splitServer(server: string): {host: string; port: number} {
  const at = server.lastIndexOf(':')
  if (at < 0) return {host: server, port: 80}
  return {host: server.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(server.slice(at + 1))}
}
