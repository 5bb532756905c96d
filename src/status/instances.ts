import type {Address, Instance} from '@aws-sdk/client-ec2'

import {ExternalError} from '../errors.js'
import type {InstanceSelectorConfig} from '../profile/schema.js'

/** The instance fields fleet reports (spec section 5, `status`). */
export interface InstanceView {
  id: string
  state: string
  type: string
  publicIp: string | null
  privateIp: string | null
  launchTime: string | null
  autoStopAt: string | null
}

/** Something in an account that costs money outside the fleet. */
export interface CostlyExtra {
  kind: 'idle-elastic-ip' | 'other-running-instance'
  id: string
  detail: string
  /** Rough on-demand hourly price where fleet knows it. */
  hourlyUsd: number | null
}

export const AUTO_STOP_TAG = 'fleet:auto-stop-at'
const PUBLIC_IPV4_HOURLY_USD = 0.005
const gone = new Set(['terminated', 'shutting-down'])

export function matchesSelector(instance: Instance, selector: InstanceSelectorConfig): boolean {
  if ('id' in selector) return instance.InstanceId === selector.id
  const tags = new Map((instance.Tags ?? []).map((t) => [t.Key, t.Value]))
  return Object.entries(selector.tag).every(([k, v]) => tags.get(k) === v)
}

export function describeSelector(selector: InstanceSelectorConfig): string {
  if ('id' in selector) return `id ${selector.id}`
  return 'tag ' + Object.entries(selector.tag).map(([k, v]) => `${k}=${v}`).join(', ')
}

/**
 * The account's one fleet instance. None or several is an error: fleet
 * reports the account and leaves it alone (spec section 7).
 */
export function pickFleetInstance(instances: Instance[], selector: InstanceSelectorConfig, where: string): Instance {
  const found = instances.filter((i) => !gone.has(i.State?.Name ?? '') && matchesSelector(i, selector))
  if (found.length === 1) return found[0]!
  if (found.length === 0) {
    throw new ExternalError('InstanceNotFound', `${where}: no instance matches ${describeSelector(selector)}.`, {
      nextSteps: ['Check accounts.<name>.instance in the profile, and the instance tags in the console.'],
    })
  }
  const ids = found.map((i) => i.InstanceId).join(', ')
  throw new ExternalError('AmbiguousInstance', `${where}: ${found.length} instances match ${describeSelector(selector)} (${ids}); fleet leaves this account alone.`, {
    nextSteps: ['Make the selector match exactly one instance, e.g. `instance: { id: i-... }`.'],
  })
}

export function viewOf(instance: Instance): InstanceView {
  const autoStop = instance.Tags?.find((t) => t.Key === AUTO_STOP_TAG)?.Value ?? null
  return {
    id: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    type: instance.InstanceType ?? 'unknown',
    publicIp: instance.PublicIpAddress ?? null,
    privateIp: instance.PrivateIpAddress ?? null,
    launchTime: instance.LaunchTime ? instance.LaunchTime.toISOString() : null,
    autoStopAt: autoStop,
  }
}

/** Idle Elastic IPs and running instances that are not the fleet's. */
export function costlyExtras(instances: Instance[], addresses: Address[], isFleet: (i: Instance) => boolean): CostlyExtra[] {
  const running = new Set(instances.filter((i) => i.State?.Name === 'running').map((i) => i.InstanceId))
  const extras: CostlyExtra[] = []
  for (const a of addresses) {
    const attachedToRunning = a.InstanceId !== undefined && running.has(a.InstanceId)
    if (a.AssociationId && attachedToRunning) continue
    if (a.AssociationId && a.NetworkInterfaceId && !a.InstanceId) continue // on an ENI of something else (NAT, LB)
    const why = a.InstanceId ? `attached to stopped ${a.InstanceId}` : 'not attached'
    extras.push({
      kind: 'idle-elastic-ip',
      id: a.AllocationId ?? a.PublicIp ?? '?',
      detail: `Elastic IP ${a.PublicIp ?? '?'} ${why}: billed as public IPv4 by the hour`,
      hourlyUsd: PUBLIC_IPV4_HOURLY_USD,
    })
  }
  for (const i of instances) {
    if (i.State?.Name !== 'running' || isFleet(i)) continue
    extras.push({
      kind: 'other-running-instance',
      id: i.InstanceId ?? '?',
      detail: `${i.InstanceType ?? '?'} ${i.InstanceId} is running outside the fleet: it shares the free-tier hours`,
      hourlyUsd: null,
    })
  }
  return extras
}
