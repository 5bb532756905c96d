import type {Instance} from '@aws-sdk/client-ec2'

import type {Ec2Port} from '../aws/ports/ec2.js'
import {ExternalError} from '../errors.js'
import type {ResolvedAccount} from '../profile/load.js'
import type {InstanceSelectorConfig} from '../profile/schema.js'

/*
 * The one way fleet finds an account's instance: its selector over every
 * instance of the account (read without a server-side state filter, which
 * emulators apply to their own instant state), decided here.
 */

/** The instance fields fleet reports (spec section 5, `status`). */
export interface InstanceView {
  id: string
  state: string
  type: string
  publicIp: string | null
  /** The public DNS name (it changes with the public IP at every start). */
  publicDns: string | null
  privateIp: string | null
  launchTime: string | null
  autoStopAt: string | null
}

export const AUTO_STOP_TAG = 'fleet:auto-stop-at'
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

/** `account app-1 (222222222222, ap-northeast-2)`: how every lookup message names the account. */
export function accountLabel(account: Pick<ResolvedAccount, 'name' | 'accountId' | 'region'>): string {
  return `account ${account.name} (${account.accountId}, ${account.region})`
}

/**
 * The account's one fleet instance. None, several, or only terminated ones
 * is an error: fleet reports the account and leaves it alone (spec section
 * 7), and never launches an instance.
 */
export function pickFleetInstance(instances: Instance[], selector: InstanceSelectorConfig, where: string): Instance {
  const matching = instances.filter((i) => matchesSelector(i, selector))
  const found = matching.filter((i) => !gone.has(i.State?.Name ?? ''))
  if (found.length === 1) return found[0]!
  if (found.length > 1) {
    const ids = found.map((i) => i.InstanceId).join(', ')
    throw new ExternalError('AmbiguousInstance', `${where}: ${found.length} instances match ${describeSelector(selector)} (${ids}); fleet leaves this account alone.`, {
      nextSteps: ['Make the selector match exactly one instance, e.g. `instance: { id: i-... }`.'],
    })
  }
  if (matching.length > 0) {
    const ids = matching.map((i) => `${i.InstanceId} ${i.State?.Name ?? ''}`.trim()).join(', ')
    throw new ExternalError('InstanceTerminated', `${where}: the only instance matching ${describeSelector(selector)} is gone (${ids}); fleet never launches instances.`, {
      nextSteps: ['Launch a new instance with the same tags (or point the selector at one), then run again.'],
    })
  }
  throw new ExternalError('InstanceNotFound', `${where}: no instance matches ${describeSelector(selector)}.`, {
    nextSteps: ['Check accounts.<name>.instance in the profile, and the instance tags in the console.'],
  })
}

/** Reads the account's instances and picks its fleet instance; `all` is every instance read (for what else costs money). */
export async function findFleetInstance(ec2: Ec2Port, account: ResolvedAccount): Promise<{instance: Instance; all: Instance[]}> {
  const all = await ec2.describeInstances()
  return {instance: pickFleetInstance(all, account.instance, accountLabel(account)), all}
}

export function viewOf(instance: Instance): InstanceView {
  // A stopped instance keeps the tag of its last own stop: only a running one is still going to stop.
  const live = instance.State?.Name === 'running' || instance.State?.Name === 'pending'
  const autoStop = live ? (instance.Tags?.find((t) => t.Key === AUTO_STOP_TAG)?.Value ?? null) : null
  return {
    id: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    type: instance.InstanceType ?? 'unknown',
    publicIp: instance.PublicIpAddress ?? null,
    publicDns: instance.PublicDnsName || null,
    privateIp: instance.PrivateIpAddress ?? null,
    launchTime: instance.LaunchTime ? instance.LaunchTime.toISOString() : null,
    autoStopAt: autoStop,
  }
}
