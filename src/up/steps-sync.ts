import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, toErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {Profile} from '../profile/load.js'
import {sshBootWaitMs} from '../remote/timeouts.js'
import type {StateStore} from '../state/json-store.js'
import {type SyncResult, upstreamSync} from '../upstream/sync.js'
import type {Cancel} from '../util/cancel.js'
import type {PreparedUp} from './prepare.js'

export interface SyncStepOptions {
  concurrency: number
  acceptNewHostKey?: boolean
  cancel: Cancel
  sshRetryMs?: number
  healthWaitMs?: number
  onStep?(label: string): void
}

/**
 * Step 4 of `up`: the upstream synced to the app servers really up, from the
 * instances read after the starts (their public IPs are new), with the
 * health check last; SSH is retried while a just-started LB boots. A failure
 * is the result's `error`, never a throw: the run reports it with the rest.
 */
export async function syncStep(profile: Profile, deps: {provider: AwsProvider; state: StateStore}, prepared: PreparedUp, instances: FleetInstances, options: SyncStepOptions): Promise<SyncResult | null> {
  if (options.cancel.signal.aborted) return null
  try {
    return await upstreamSync(profile, deps, {
      archFlag: prepared.arch.id,
      dryRun: false,
      concurrency: options.concurrency,
      acceptNewHostKey: options.acceptNewHostKey,
      instances,
      sshRetryMs: options.sshRetryMs ?? sshBootWaitMs(),
      healthWaitMs: options.healthWaitMs,
      onStep: options.onStep,
      cancel: options.cancel,
    })
  } catch (error) {
    if (options.cancel.signal.aborted) return null
    return failedSync(prepared, toErrorInfo(error))
  }
}

function failedSync(prepared: PreparedUp, error: ErrorInfo): SyncResult {
  const lb = prepared.instances.get(prepared.arch.lb.account!)?.instance
  return {
    arch: prepared.arch.id,
    servers: [],
    changed: false,
    diff: '',
    reloaded: false,
    rolledBack: false,
    lb: {account: prepared.arch.lb.account!, instanceId: lb?.id ?? '', publicIp: lb?.publicIp ?? null, privateIp: lb?.privateIp ?? null},
    skipped: [],
    warnings: [],
    health: null,
    securityGroups: [],
    error,
  }
}
