import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExitCode, exitCodeOf} from '../errors.js'
import type {InstanceView} from '../fleet/instances.js'
import {type InstanceRead, readInstances} from '../fleet/read-instances.js'
import type {PlannedChange} from '../plan/plan.js'
import type {Profile} from '../profile/load.js'
import type {RdsPublicResult} from '../rds/types.js'
import {sshBootWaitMs} from '../remote/timeouts.js'
import type {StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import type {SyncResult} from '../upstream/sync.js'
import type {Cancel} from '../util/cancel.js'
import {type AutoStopOutcome, type AutoStopTarget, scheduleAutoStop} from './auto-stop.js'
import {type ChoreOutcome, type HookOutcome, runLbIpHook, runStartChores, startHint} from './chores.js'
import {drainUpstream, type DrainOutcome} from './drain.js'
import type {PreparedUp} from './prepare.js'
import {APP_RESTART_MS, rdsErrors, rdsStep} from './rds-step.js'
import type {Phase} from './run-steps.js'
import {type AccountResult, startAccounts} from './steps-accounts.js'
import {syncStep} from './steps-sync.js'

export type {AccountResult} from './steps-accounts.js'
export {rdsErrors, rdsFailure} from './rds-step.js'

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
  /** `nginx.start` / `apps.start` on the hosts this run started. */
  chores: ChoreOutcome[]
  /** Step 3 of the spec's order (`rds-public on/off`); null when the architecture leaves RDS as it is. */
  rds: RdsPublicResult | null
  /** The final `upstream sync` (null when it could not run: the LB did not come up, or Ctrl-C). */
  sync: SyncResult | null
  /** Each instance's own stop (`--ttl`, or a schedule kept from before); null when none is set. */
  autoStop: AutoStopOutcome[] | null
  /** `onLbIpChange`, run when the LB's public IP changed; null when not run. */
  lbIpHook: HookOutcome | null
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
  /** `--ttl`: every instance of the architecture stops itself after this long. */
  ttlMs?: number
  acceptNewHostKey?: boolean
  cancel: Cancel
  /** An account's phase; `rds` and `upstream` are the rows of those steps. */
  onPhase(row: string, phase: Phase | 'skipped' | 'syncing', detail?: string): void
  onStep?(label: string): void
  /** How long to keep retrying SSH while a just-started host boots (default 3 min). */
  sshRetryMs?: number
  healthWaitMs?: number
}

/**
 * Applies a prepared plan in the spec's order: (1) the servers that will
 * stop leave the upstream; (2) every account at once: start, stop or resize,
 * waiting until running and status checks pass; then, as soon as the LB and
 * the apps it needs are up (not after unrelated accounts): the start-up
 * chores, (3) RDS public access, (4) `upstream sync` with its health check.
 * Last, `--ttl`'s schedules and `onLbIpChange`. The requested architecture is
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
    const runs = startAccounts(profile, deps.provider, prepared, options)
    const needed = [...new Set([prepared.arch.lb.account!, ...prepared.arch.apps.map((a) => a.account)])]
    const neededResults = await Promise.all(needed.map((name) => runs.get(name)!))
    const fresh = options.cancel.signal.aborted ? new Map<string, InstanceRead>() : await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency}, needed)
    const chores = options.cancel.signal.aborted ? [] : await runStartChores(profile, {started: startedBy(prepared, neededResults, fresh), concurrency: options.concurrency, acceptNewHostKey: options.acceptNewHostKey})
    const rds = await rdsStep(profile, deps, prepared, {...options, onPhase: (row, phase, detail) => options.onPhase(row, phase, detail)}, fresh)
    const healthWaitMs = rds?.appsRestarted ? Math.max(options.healthWaitMs ?? 0, APP_RESTART_MS) : options.healthWaitMs
    // The LB's lock is held by this run already: the sync takes none again.
    const sync = await syncStep(profile, {provider: deps.provider, state: deps.state}, prepared, new Map([...prepared.instances, ...fresh]), {...options, healthWaitMs})
    if (sync?.error?.code === 'UnhealthyServers') sync.error = {...sync.error, nextSteps: [...(sync.error.nextSteps ?? []), ...startHints(profile, sync, fresh, neededResults)]}
    if (sync) options.onPhase('upstream', sync.error ? 'failed' : 'done', sync.error ? sync.error.message.split('\n')[0] : `${sync.servers.length} servers${sync.changed ? '' : ', unchanged'}`)
    else options.onPhase('upstream', 'skipped', options.cancel.signal.aborted ? 'interrupted' : '')
    const results = await Promise.all(prepared.up.plan.map((c) => runs.get(c.account)!))
    const autoStop = await autoStopStep(profile, deps, prepared, options, fresh, neededResults)
    const lbBefore = prepared.instances.get(prepared.arch.lb.account!)?.instance
    const lbNow = fresh.get(prepared.arch.lb.account!)?.instance ?? lbBefore
    const lbIpChanged = Boolean(lbNow?.publicIp) && lbNow?.publicIp !== (lbBefore?.state === 'running' ? lbBefore.publicIp : null)
    const lbIpHook = lbIpChanged && !options.cancel.signal.aborted ? await runLbIpHook(profile, {ip: lbNow!.publicIp!, dns: lbNow!.publicDns}) : null
    const result: UpResult = {
      arch: prepared.arch.id,
      plan: prepared.up.plan,
      results,
      lbPublicIp: lbNow?.publicIp ?? null,
      lbPublicDns: lbNow?.publicDns ?? null,
      lbIpChanged,
      upstream: {servers: sync?.servers ?? [], changed: Boolean(sync?.changed) || drain.changed},
      drain,
      chores,
      rds,
      sync,
      autoStop,
      lbIpHook,
      converged: prepared.up.converged && !sync?.changed && !drain.changed,
      interrupted: options.cancel.signal.aborted,
      warnings: [...(rds?.warnings ?? []), ...(options.ttlMs ? ['--ttl stops the instances only: the RDS instance keeps running (and costing) until you stop it.'] : [])],
    }
    if (exitCodeOf(upErrors(result)) === ExitCode.ok && !result.interrupted) {
      await deps.state.write('applied', {arch: prepared.arch.id, appliedAt: new Date().toISOString(), complete: true})
    }
    return result
  })
}

/** Every error of a run, for its exit code. */
export function upErrors(r: UpResult): Array<ErrorInfo | null> {
  return [
    ...r.results.map((a) => a.error),
    r.drain.error,
    ...r.chores.map((c) => c.error),
    ...rdsErrors(r.rds),
    r.sync?.error ?? null,
    ...(r.autoStop ?? []).map((a) => a.error),
    r.lbIpHook?.error ?? null,
  ]
}

/** A server that fails its health check right after this run started it, without apps.start: say why that may be. */
function startHints(profile: Profile, sync: SyncResult, fresh: Map<string, InstanceRead>, results: AccountResult[]): string[] {
  const started = new Set(results.filter((r) => r.done.includes('start')).map((r) => r.account))
  const address = profile.data.nginx?.address ?? 'public'
  return (sync.health ?? []).flatMap((h) => {
    if (h.ok) return []
    const ip = h.server.replace(/:\d+$/, '')
    const account = [...fresh].find(([, r]) => (address === 'public' ? r.instance?.publicIp : r.instance?.privateIp) === ip)?.[0]
    const hint = account ? startHint(profile, account, started.has(account)) : null
    return hint ? [hint] : []
  })
}

/** The hosts this run started (or resized and started), as read after the start: their chores are due. */
function startedBy(prepared: PreparedUp, results: AccountResult[], fresh: Map<string, InstanceRead>): Array<{account: string; instance: InstanceView}> {
  return results.flatMap((r) => {
    const instance = fresh.get(r.account)?.instance
    return r.ok && r.done.includes('start') && instance?.state === 'running' ? [{account: r.account, instance}] : []
  })
}

/**
 * `--ttl`: every running instance of the architecture schedules its own
 * stop. Without it, a schedule set before is kept: an instance this run
 * started again lost its OS schedule, so it is scheduled again for the time
 * that was left; the others keep theirs and are listed.
 */
async function autoStopStep(
  profile: Profile,
  deps: ApplyDeps,
  prepared: PreparedUp,
  options: ApplyOptions,
  fresh: Map<string, InstanceRead>,
  neededResults: AccountResult[],
): Promise<AutoStopOutcome[] | null> {
  if (options.cancel.signal.aborted) return null
  const running: AutoStopTarget[] = [...fresh].flatMap(([account, r]) => (r.instance?.state === 'running' ? [{account, instance: r.instance}] : []))
  const sshRetryMs = options.sshRetryMs ?? sshBootWaitMs()
  if (options.ttlMs) {
    options.onPhase('upstream', 'syncing', `scheduling each instance's own stop in ${Math.ceil(options.ttlMs / 60_000)} min`)
    return scheduleAutoStop(profile, {provider: deps.provider, concurrency: options.concurrency}, {targets: running, ttlMs: options.ttlMs, acceptNewHostKey: options.acceptNewHostKey, sshRetryMs})
  }
  const now = Date.now()
  const scheduled = running.filter((t) => t.instance.autoStopAt && Date.parse(t.instance.autoStopAt) > now)
  if (scheduled.length === 0) return null
  const restarted = new Set(neededResults.filter((r) => r.done.includes('start')).map((r) => r.account))
  const kept = scheduled.filter((t) => !restarted.has(t.account)).map((t): AutoStopOutcome => ({account: t.account, instanceId: t.instance.id, ok: true, at: t.instance.autoStopAt, error: null}))
  const again = await Promise.all(
    scheduled
      .filter((t) => restarted.has(t.account))
      .map(async (t) => (await scheduleAutoStop(profile, {provider: deps.provider, concurrency: 1}, {targets: [t], ttlMs: Date.parse(t.instance.autoStopAt!) - now, acceptNewHostKey: options.acceptNewHostKey, sshRetryMs}))[0]!),
  )
  return [...kept, ...again]
}
