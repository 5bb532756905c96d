import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, toErrorInfo} from '../errors.js'
import {ipv4MonthCost} from '../cost/ipv4.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {Profile} from '../profile/load.js'
import {switchRdsPublic} from '../rds/switch.js'
import type {RdsPublicResult} from '../rds/types.js'
import {sshBootWaitMs} from '../remote/timeouts.js'
import type {StateStore} from '../state/json-store.js'
import type {Cancel} from '../util/cancel.js'
import type {PreparedUp} from './prepare.js'

/** A restarted Spring Boot app takes a while to answer its health check again. */
export const APP_RESTART_MS = 180_000

/**
 * Step 3: RDS public access as the architecture says, once the app servers
 * it needs are up (their `.env` is edited over SSH). A failure is reported
 * in the result; the upstream sync still runs.
 */
export interface RdsStepOptions {
  concurrency: number
  acceptNewHostKey?: boolean
  cancel: Cancel
  onPhase(row: string, phase: 'syncing' | 'done' | 'failed', detail?: string): void
}

export async function rdsStep(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore},
  prepared: PreparedUp,
  options: RdsStepOptions,
  instances: FleetInstances,
): Promise<RdsPublicResult | null> {
  if (prepared.arch.rdsPublic === null || options.cancel.signal.aborted) return null
  const want = prepared.arch.rdsPublic ? 'on' : 'off'
  options.onPhase('rds', 'syncing', `public access ${want}`)
  try {
    // The app instances' locks are held by this run already: none is taken again.
    const result = await switchRdsPublic(profile, {provider: deps.provider, state: deps.state}, {
      want,
      archId: prepared.arch.id,
      instances,
      dryRun: false,
      concurrency: options.concurrency,
      acceptNewHostKey: options.acceptNewHostKey,
      sshRetryMs: sshBootWaitMs(),
      cancel: options.cancel,
      onStep: (label) => options.onPhase('rds', 'syncing', label),
    })
    const failed = rdsErrors(result).length > 0
    options.onPhase('rds', failed ? 'failed' : 'done', `public access ${result.publiclyAccessible ? 'on' : 'off'}${result.converged ? ', unchanged' : ''}`)
    return result
  } catch (error) {
    if (options.cancel.signal.aborted) return null
    const info = toErrorInfo(error)
    options.onPhase('rds', 'failed', info.message.split('\n')[0])
    return rdsFailure(profile, want, info)
  }
}

/** The RDS step's result when it could not even begin (no DB, a template that cannot be filled in now). */
export function rdsFailure(profile: Profile, want: 'on' | 'off', error: ErrorInfo | null): RdsPublicResult {
  const rds = profile.data.rds
  return {
    action: want,
    dryRun: false,
    publiclyAccessible: false,
    endpoint: null,
    port: null,
    servers: [],
    db: {account: rds?.account ?? '', identifier: rds?.instance ?? '', status: null, vpcId: null, securityGroup: null, internetGateway: null},
    flagChange: null,
    rules: [],
    securityGroup: null,
    shared: false,
    ipv4: ipv4MonthCost(false, new Date()),
    appsRestarted: false,
    converged: false,
    warnings: [],
    error,
  }
}

/** The RDS step's errors: its own and each app server's. */
export function rdsErrors(rds: RdsPublicResult | null): ErrorInfo[] {
  if (!rds) return []
  return [rds.error, ...rds.servers.map((s) => s.error)].filter((e): e is ErrorInfo => e !== null)
}

