import type {Address, Instance} from '@aws-sdk/client-ec2'

import {PUBLIC_IPV4_HOURLY_USD} from './ipv4.js'

/** Something in an account that costs money outside the fleet. */
export interface CostlyExtra {
  kind: 'idle-elastic-ip' | 'other-running-instance'
  id: string
  detail: string
  /** Rough on-demand hourly price where fleet knows it. */
  hourlyUsd: number | null
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
