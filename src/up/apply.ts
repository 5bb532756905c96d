import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExitCode, exitCodeOf, toErrorInfo} from '../errors.js'
import {type InstanceRead, readInstances} from '../fleet/read-instances.js'
import type {PlannedChange, PlanStep} from '../plan/plan.js'
import type {Profile} from '../profile/load.js'
import type {StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import {ipv4MonthCost} from '../cost/ipv4.js'
import {switchRdsPublic} from '../rds/switch.js'
import type {RdsPublicResult} from '../rds/types.js'
import {type SyncResult, upstreamSync} from '../upstream/sync.js'
import type {Cancel} from '../util/cancel.js'
import {fanOut} from '../util/fan-out.js'
import {waitDelays} from '../util/waits.js'
import {drainUpstream, type DrainOutcome} from './drain.js'
import type {PreparedUp} from './prepare.js'
import {type Phase, runSteps} from './run-steps.js'

/** One account's outcome (spec section 5, `results`). */
export interface AccountResult {
  account: string
  ok: boolean
  error: ErrorInfo | null
  /** The steps that completed. */
  done: PlanStep[]
  /** Set when a resize failed and the old type was put back. */
  revertedTo?: string
}

/** `fleet up` (spec section 5), plus what people need to read it. */
export interface UpResult {
  arch: string
  plan: PlannedChange[]
  results: AccountResult[]
  lbPublicIp: string | null
  lbPublicDns: string | null
  /** The LB's public IP differs from before the run (DNS records pointing at it need updating). */
  lbIpChanged: boolean
  upstream: {servers: string[]; changed: boolean}
  drain: DrainOutcome
  /** The final `upstream sync` (null when it could not run: the LB did not come up, or Ctrl-C). */
  sync: SyncResult | null
  /** Step 3 of the spec's order (`rds-public on/off`); null when the architecture leaves RDS as it is. */
  rds: RdsPublicResult | null
  /** The fleet was already at the architecture: nothing changed. */
  converged: boolean
  /** True when Ctrl-C stopped the run (exit 130); a re-run converges. */
  interrupted: boolean
  warnings: string[]
}

export interface ApplyDeps {
  provider: AwsProvider
  state: StateStore
  /** The locks of every instance the run may change (taken here, once the ids are known). */
  locks?: Locks
}

export interface ApplyOptions {
  concurrency: number
  waitTimeoutMs: number
  acceptNewHostKey?: boolean
  cancel: Cancel
  /** An account's phase; `upstream` is the row of the upstream steps. */
  onPhase(account: string, phase: Phase | 'skipped' | 'syncing', detail?: string): void
  onStep?(label: string): void
  /** How long to keep retrying SSH while a just-started LB boots (default 3 min). */
  sshRetryMs?: number
  healthWaitMs?: number
}

/**
 * Applies a prepared plan in the spec's order: (1) the servers that will
 * stop leave the upstream; (2) every account at once: start, stop or resize,
 * waiting until running and status checks pass; (3) RDS public access; (4)
 * `upstream sync` with its health check, as soon as the LB and the apps it
 * needs are up, not after unrelated accounts. The requested architecture is
 * recorded before anything changes (`complete: false`) and marked complete
 * at the end, so `fleet up` alone retries an interrupted run.
 */
export async function applyUp(profile: Profile, deps: ApplyDeps, prepared: PreparedUp, options: ApplyOptions): Promise<UpResult> {
  const ids = [...prepared.instances.values()].flatMap((r) => (r.instance ? [r.instance.id] : []))
  const hold = <T>(fn: () => Promise<T>) => (deps.locks ? deps.locks.instances(ids, fn) : fn())
  return hold(async () => {
    await deps.state.write('applied', {arch: prepared.arch.id, appliedAt: new Date().toISOString(), complete: false})
    const drain = await drainUpstream(profile, deps.state, prepared, options)
    options.onPhase('upstream', 'waiting', drain.servers.length > 0 ? `${drain.servers.join(', ')} taken out; the sync waits for the LB and its app servers` : 'for the LB and its app servers')
    const runs = startAccounts(profile, deps, prepared, options)
    const needed = [prepared.arch.lb.account!, ...prepared.arch.apps.map((a) => a.account)]
    await Promise.allSettled(needed.map((name) => runs.get(name)!))
    const rds = await rdsStep(profile, deps, prepared, options, needed)
    const {sync, fresh} = await finalSync(profile, deps, prepared, {...options, healthWaitMs: rds?.appsRestarted ? Math.max(options.healthWaitMs ?? 0, APP_RESTART_MS) : options.healthWaitMs}, needed)
    if (sync) options.onPhase('upstream', sync.error ? 'failed' : 'done', sync.error ? sync.error.message.split('\n')[0] : `${sync.servers.length} servers${sync.changed ? '' : ', unchanged'}`)
    else options.onPhase('upstream', 'skipped', options.cancel.signal.aborted ? 'interrupted' : '')
    const results = await collect(prepared, runs)
    const lbBefore = prepared.instances.get(prepared.arch.lb.account!)?.instance
    const lbNow = fresh?.get(prepared.arch.lb.account!)?.instance ?? lbBefore
    const result: UpResult = {
      arch: prepared.arch.id,
      plan: prepared.up.plan,
      results,
      lbPublicIp: lbNow?.publicIp ?? null,
      lbPublicDns: lbNow?.publicDns ?? null,
      lbIpChanged: (lbNow?.publicIp ?? null) !== (lbBefore?.publicIp ?? null),
      upstream: {servers: sync?.servers ?? [], changed: Boolean(sync?.changed) || drain.changed},
      drain,
      sync,
      rds,
      converged: prepared.up.converged && !sync?.changed && !drain.changed,
      interrupted: options.cancel.signal.aborted,
      warnings: rds?.warnings ?? [],
    }
    const failed = exitCodeOf([...results.map((r) => r.error), sync?.error ?? null, ...rdsErrors(rds)]) !== ExitCode.ok
    if (!failed && !result.interrupted) await deps.state.write('applied', {arch: prepared.arch.id, appliedAt: new Date().toISOString(), complete: true})
    return result
  })
}

/** A restarted Spring Boot app takes a while to answer its health check again. */
const APP_RESTART_MS = 180_000

/**
 * Step 3: RDS public access as the architecture says, once the app servers
 * it needs are up (their `.env` is edited over SSH). A failure is reported
 * in the result; the upstream sync still runs.
 */
async function rdsStep(profile: Profile, deps: ApplyDeps, prepared: PreparedUp, options: ApplyOptions, needed: string[]): Promise<RdsPublicResult | null> {
  if (prepared.arch.rdsPublic === null || options.cancel.signal.aborted) return null
  const want = prepared.arch.rdsPublic ? 'on' : 'off'
  options.onPhase('rds', 'syncing', `public access ${want}`)
  try {
    const instances = await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency}, [...new Set(needed)])
    // The app instances' locks are held by this run already: none is taken again.
    const result = await switchRdsPublic(profile, {provider: deps.provider, state: deps.state}, {
      want,
      archId: prepared.arch.id,
      instances,
      dryRun: false,
      concurrency: options.concurrency,
      acceptNewHostKey: options.acceptNewHostKey,
      sshRetryMs: 120_000,
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

/** Every account's steps at once (bounded by --concurrency), each reporting its phase. */
function startAccounts(profile: Profile, deps: ApplyDeps, prepared: PreparedUp, options: ApplyOptions): Map<string, Promise<AccountResult>> {
  const deadline = Date.now() + options.waitTimeoutMs
  const delays = waitDelays()
  const changes = prepared.up.plan
  const outcomes = fanOut(changes, options.concurrency, async (change) => {
    const read = prepared.instances.get(change.account)!
    if (change.steps.length === 0) {
      options.onPhase(change.account, read.error ? 'failed' : 'unchanged', read.error?.message.split('\n')[0] ?? change.note)
      return {account: change.account, ok: read.error === null, error: read.error, done: []}
    }
    const port = await (await deps.provider.forAccount(profile.account(change.account))).instances()
    try {
      const out = await runSteps(change, {instanceId: read.instance!.id, port, delays, deadline, cancel: options.cancel, onPhase: (p, d) => options.onPhase(change.account, p, d)})
      options.onPhase(change.account, 'done', change.to.type && change.to.type !== change.from.type ? change.to.type : undefined)
      return {account: change.account, ok: true, error: null, done: out.done}
    } catch (error) {
      const info = toErrorInfo(error)
      options.onPhase(change.account, info.exitCode === ExitCode.interrupted ? 'interrupted' : 'failed', info.message.split('\n')[0])
      return {account: change.account, ok: false, error: info, done: []}
    }
  })
  return new Map(changes.map((c, i) => [c.account, outcomes.then((all) => unwrap(all[i]!, c.account))]))
}

function unwrap(outcome: Awaited<ReturnType<typeof fanOut<unknown, AccountResult>>>[number], account: string): AccountResult {
  return outcome.ok ? outcome.value : {account, ok: false, error: outcome.error, done: []}
}

async function collect(prepared: PreparedUp, runs: Map<string, Promise<AccountResult>>): Promise<AccountResult[]> {
  return Promise.all(prepared.up.plan.map((c) => runs.get(c.account)!))
}

/**
 * Step 4: the LB and the apps are read again (their IPs are new after a
 * start) and the upstream synced to those really up, with the health check
 * last; SSH is retried while a just-started LB boots.
 */
async function finalSync(
  profile: Profile,
  deps: ApplyDeps,
  prepared: PreparedUp,
  options: ApplyOptions,
  needed: string[],
): Promise<{sync: SyncResult | null; fresh: Map<string, InstanceRead> | null}> {
  if (options.cancel.signal.aborted) return {sync: null, fresh: null}
  options.onStep?.('reading the LB and the app servers again')
  const fresh = await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency}, [...new Set(needed)])
  const instances = new Map([...prepared.instances, ...fresh])
  try {
    const sync = await upstreamSync(profile, {provider: deps.provider, state: deps.state}, {
      archFlag: prepared.arch.id,
      dryRun: false,
      concurrency: options.concurrency,
      acceptNewHostKey: options.acceptNewHostKey,
      instances,
      sshRetryMs: options.sshRetryMs ?? 180_000,
      healthWaitMs: options.healthWaitMs,
      onStep: options.onStep,
      cancel: options.cancel,
    })
    return {sync, fresh}
  } catch (error) {
    if (options.cancel.signal.aborted) return {sync: null, fresh}
    return {sync: failedSync(prepared, toErrorInfo(error)), fresh}
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
