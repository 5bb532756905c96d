import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, toErrorInfo} from '../errors.js'
import {type StillCosting, stillCosting} from '../cost/left-running.js'
import {type InstanceRead, readInstances} from '../fleet/read-instances.js'
import type {DesiredAccount} from '../plan/desired.js'
import {type PlannedChange, planChanges} from '../plan/plan.js'
import type {Profile} from '../profile/load.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import type {Cancel} from '../util/cancel.js'
import {fanOut} from '../util/fan-out.js'
import {waitDelays} from '../util/waits.js'
import {type AccountResult, rdsErrors, rdsFailure as emptyRdsOf} from './apply.js'
import {switchRdsPublic} from '../rds/switch.js'
import {type AutoStopOutcome, cancelAutoStop} from './auto-stop.js'
import type {RdsPublicResult} from '../rds/types.js'
import {type Phase, runSteps} from './run-steps.js'

/** `fleet down` (spec section 5, the `up`/`down` shape), plus what still costs money. */
export interface DownResult {
  arch: string | null
  plan: PlannedChange[]
  results: AccountResult[]
  lbPublicIp: string | null
  upstream: {servers: string[]; changed: boolean}
  kept: string[]
  /** Public access turned off first (while the app servers run, so their DB_URL follows); null without `rds`. */
  rds: RdsPublicResult | null
  /** The own stops cancelled on kept instances (`--keep`); null when none was set. */
  autoStop: AutoStopOutcome[] | null
  /** What still costs money once the run is done; empty means nothing left. */
  stillCosting: StillCosting[]
  /** Accounts whose costs could not be read: "nothing left" is not claimed for them. */
  costErrors: Array<{account: string; error: ErrorInfo}>
  interrupted: boolean
}

export interface PreparedDown {
  arch: string | null
  plan: PlannedChange[]
  instances: Map<string, InstanceRead>
  kept: string[]
}

/** Reads every account and plans a stop of every fleet instance but the kept ones. Nothing is changed. */
export async function prepareDown(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore},
  options: {keep: string[]; concurrency: number},
): Promise<PreparedDown> {
  // An unknown name is a usage error naming the accounts there are.
  const kept = [...new Set(options.keep.map((name) => profile.account(name).name))]
  const instances = await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency})
  const desired = profile.accounts
    .filter((a) => !kept.includes(a.name))
    .map((a): DesiredAccount => ({account: a.name, role: 'idle', state: 'stopped', type: null, ports: []}))
  const plan = planChanges(desired, new Map([...instances].map(([name, r]) => [name, r.instance])))
  return {arch: await lastAppliedArch(deps.state), plan, instances, kept}
}

/**
 * RDS public access off before anything stops: the running app servers are
 * pointed at the private URL first (the safe order of `rds-public off`), so
 * the next `up` finds them consistent. A failure is reported; the stop goes on.
 */
async function rdsOff(profile: Profile, deps: {provider: AwsProvider; state: StateStore}, prepared: PreparedDown, options: {concurrency: number; cancel: Cancel; onPhase(account: string, phase: Phase | 'syncing', detail?: string): void}): Promise<RdsPublicResult | null> {
  if (!profile.data.rds) return null
  options.onPhase('rds', 'syncing', 'public access off')
  try {
    // The instances' locks are held by this run already: none is taken again.
    const result = await switchRdsPublic(profile, deps, {want: 'off', archId: prepared.arch ?? undefined, instances: prepared.instances, dryRun: false, concurrency: options.concurrency, cancel: options.cancel, onStep: (label) => options.onPhase('rds', 'syncing', label)})
    options.onPhase('rds', rdsErrors(result).length > 0 ? 'failed' : 'done', `public access ${result.publiclyAccessible ? 'on' : 'off'}`)
    return result
  } catch (error) {
    const info = toErrorInfo(error)
    options.onPhase('rds', 'failed', info.message.split('\n')[0])
    if (info.exitCode === 130) throw error
    return {...emptyRds(profile), error: info}
  }
}

/** A kept instance that was set to stop itself (`up --ttl`) no longer does: it was kept on purpose. */
async function cancelKept(profile: Profile, deps: {provider: AwsProvider}, prepared: PreparedDown, concurrency: number): Promise<AutoStopOutcome[] | null> {
  const targets = prepared.kept.flatMap((account) => {
    const instance = prepared.instances.get(account)?.instance
    return instance && instance.state === 'running' && instance.autoStopAt ? [{account, instance}] : []
  })
  return targets.length === 0 ? null : cancelAutoStop(profile, {provider: deps.provider, concurrency}, {targets})
}

/**
 * Stops every planned instance at once and waits until each is stopped,
 * then lists whatever still costs money in each account. Ctrl-C stops
 * launching new steps; a re-run converges.
 */
export async function applyDown(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore; locks?: Locks},
  prepared: PreparedDown,
  options: {concurrency: number; waitTimeoutMs: number; cancel: Cancel; onPhase(account: string, phase: Phase | 'syncing', detail?: string): void},
): Promise<DownResult> {
  const ids = [...prepared.instances.values()].flatMap((r) => (r.instance ? [r.instance.id] : []))
  const hold = <T>(fn: () => Promise<T>) => (deps.locks ? deps.locks.instances(ids, fn) : fn())
  return hold(async () => {
    // The instances' locks are held here: the switch is handed no locks to take again.
    const rds = await rdsOff(profile, {provider: deps.provider, state: deps.state}, prepared, options)
    const deadline = Date.now() + options.waitTimeoutMs
    const delays = waitDelays()
    const outcomes = await fanOut(prepared.plan, options.concurrency, async (change): Promise<AccountResult> => {
      const read = prepared.instances.get(change.account)!
      if (change.steps.length === 0) {
        options.onPhase(change.account, read.error ? 'failed' : 'unchanged', read.error?.message.split('\n')[0] ?? change.note ?? read.instance?.state)
        return {account: change.account, ok: read.error === null, error: read.error, done: []}
      }
      const port = await (await deps.provider.forAccount(profile.account(change.account))).instances()
      const out = await runSteps(change, {instanceId: read.instance!.id, port, delays, deadline, cancel: options.cancel, onPhase: (p, d) => options.onPhase(change.account, p, d)})
      options.onPhase(change.account, 'done', 'stopped')
      return {account: change.account, ok: true, error: null, done: out.done}
    })
    const results = outcomes.map((o, i): AccountResult => {
      if (o.ok) return o.value
      const account = prepared.plan[i]!.account
      options.onPhase(account, o.error.exitCode === 130 ? 'interrupted' : 'failed', o.error.message.split('\n')[0])
      return {account, ok: false, error: o.error, done: []}
    })
    const autoStop = options.cancel.signal.aborted ? null : await cancelKept(profile, deps, prepared, options.concurrency)
    const costs = options.cancel.signal.aborted ? {items: [], errors: []} : await stillCosting(profile, {provider: deps.provider, concurrency: options.concurrency}).catch((error: unknown) => ({items: [], errors: [{account: '*', error: toErrorInfo(error)}]}))
    return {
      arch: prepared.arch,
      plan: prepared.plan,
      results,
      lbPublicIp: null,
      upstream: {servers: [], changed: false},
      kept: prepared.kept,
      rds,
      autoStop,
      stillCosting: costs.items,
      costErrors: costs.errors,
      interrupted: options.cancel.signal.aborted,
    }
  })
}

function emptyRds(profile: Profile): RdsPublicResult {
  return emptyRdsOf(profile, 'off', null)
}
