/**
 * `fleet loadtest`: the story's experiment run by the tool. `prepareLoadtest`
 * reads the fleet and plans the whole run (one plan, one confirm, nothing
 * changed); `runLoadtest` then takes each architecture in turn
 * (src/loadtest/arch-run.ts), keeps the run's files current after every
 * step, and at the end stops the fleet (`--down`, after Ctrl-C too) or says
 * what is still running and costing.
 */
import type {AwsProvider} from '../aws/provider.js'
import {type StillCosting, stillCosting} from '../cost/left-running.js'
import {type ErrorInfo, ExitCode, exitCodeOf, GuardrailError, toErrorInfo} from '../errors.js'
import {homePaths} from '../home.js'
import type {Profile} from '../profile/types.js'
import type {StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import {rdsErrors} from '../up/apply.js'
import {applyDown, type DownResult, prepareDown} from '../up/down.js'
import {prepareUp, type PreparedUp} from '../up/prepare.js'
import type {Cancel} from '../util/cancel.js'
import {type ArchRunContext, runArch} from './arch-run.js'
import {loadEngine} from './engines.js'
import type {LoadtestProgress} from './progress-events.js'
import {RunRecorder} from './recorder.js'
import {planRun, type RunPlan} from './run-plan.js'
import {type LoadtestSettings} from './settings.js'
import {stopsRun} from './target-ready.js'
import type {LoadtestReport} from './types.js'
import {makeRunFolder, type RunFiles} from './writer.js'

export interface LoadtestDeps {
  provider: AwsProvider
  state: StateStore
  /** The locks of every instance of the profile, held for the whole run. */
  locks?: Locks
}

export interface PreparedLoadtest {
  settings: LoadtestSettings
  /** The first architecture, as `fleet up` prepares it (the fleet read now). */
  first: PreparedUp
  plan: RunPlan
}

/** Reads the fleet and plans the run. Nothing is changed. */
export async function prepareLoadtest(profile: Profile, deps: Pick<LoadtestDeps, 'provider' | 'state'>, settings: LoadtestSettings, options: {concurrency: number}): Promise<PreparedLoadtest> {
  const first = await prepareUp(profile, deps, {archFlag: settings.archs[0], concurrency: options.concurrency})
  const actual = new Map([...first.instances].map(([name, r]) => [name, r.instance ? {...r.instance} : null]))
  const upstreamNow = first.up.upstream.before
  return {settings, first, plan: planRun(profile, settings, actual, upstreamNow)}
}

export interface LoadtestOptions {
  concurrency: number
  waitTimeoutMs: number
  cancel: Cancel
  progress: LoadtestProgress
  /** Where run folders go (default `$FLEET_HOME/runs`). */
  runsDir?: string
  targetWaitMs?: number
  sshRetryMs?: number
}

export interface ArchFailure {
  arch: string
  error: ErrorInfo
}

/** The `loadtest` JSON (spec section 5) and what the run did around it. */
export interface LoadtestResult extends LoadtestReport {
  files: {json: string; csv: string; html: string}
  /** Architectures that could not be measured, and why. */
  failures: ArchFailure[]
  /** `--down`'s outcome; null without it (or when it could not begin: `downError`). */
  down: DownResult | null
  downError: ErrorInfo | null
  /** What still costs money at the end (read again without --down). */
  stillCosting: StillCosting[]
  warnings: string[]
}

/** Runs the prepared load test. */
export async function runLoadtest(profile: Profile, deps: LoadtestDeps, prepared: PreparedLoadtest, options: LoadtestOptions): Promise<LoadtestResult> {
  const {settings} = prepared
  const files = await makeRunFolder(options.runsDir ?? homePaths().runs, new Date())
  const recorder = new RunRecorder(files, settings, {region: profile.accounts[0]?.region ?? '', freeTypes: profile.data.freeTypes})
  await recorder.save()
  const engine = await loadEngine(settings.engine)
  const ids = [...prepared.first.instances.values()].flatMap((r) => (r.instance ? [r.instance.id] : []))
  const hold = <T>(fn: () => Promise<T>) => (deps.locks ? deps.locks.instances(ids, fn) : fn())
  const warnings: string[] = []
  const progress: LoadtestProgress = Object.assign(Object.create(options.progress) as LoadtestProgress, {
    warn: (message: string) => {
      warnings.push(message)
      options.progress.warn(message)
    },
  })
  const ctx: ArchRunContext = {profile, deps: {provider: deps.provider, state: deps.state}, settings, engine, recorder, cancel: options.cancel, progress, concurrency: options.concurrency, waitTimeoutMs: options.waitTimeoutMs, targetWaitMs: options.targetWaitMs, sshRetryMs: options.sshRetryMs}
  const {failures, end} = await hold(async () => {
    const failures = await runArchs(ctx, prepared)
    recorder.endPhase()
    if (options.cancel.signal.aborted) recorder.markInterrupted()
    await recorder.save()
    const end = settings.down ? await stopFleet(profile, deps, options) : {down: null, downError: null, stillCosting: await leftRunning(profile, deps, options.concurrency, warnings)}
    return {failures, end}
  })
  progress.end()
  if (options.cancel.signal.aborted) recorder.markInterrupted()
  const report = await recorder.save()
  return {...report, files: {json: files.json, csv: files.csv, html: files.html}, failures, ...end, warnings}
}

/** Each architecture in turn, until the last or Ctrl-C; returns those that could not be measured. */
async function runArchs(ctx: ArchRunContext, prepared: PreparedLoadtest): Promise<ArchFailure[]> {
  const failures: ArchFailure[] = []
  const {settings, cancel, progress} = ctx
  for (const [i, id] of settings.archs.entries()) {
    if (cancel.signal.aborted) break
    const fail = (error: ErrorInfo) => {
      failures.push({arch: id, error})
      progress.archFailed(id, error)
    }
    try {
      // The fleet is read again at each architecture's turn: the one before changed it.
      const now = i === 0 ? prepared.first : await prepareUp(ctx.profile, ctx.deps, {archFlag: id, concurrency: ctx.concurrency})
      const paid = unconfirmedPaid(now, prepared.plan, i)
      if (paid) {
        fail(paid)
        continue
      }
      progress.archStart(id, i, settings.archs.length, [...now.up.plan.map((c) => c.account), ...(now.arch.rdsPublic === null ? [] : ['rds'])])
      ctx.recorder.beginArch(archInfo(now), now.up.cost.running.map((r) => ({account: r.account, type: r.type, region: r.region})))
      const outcome = await runArch(ctx, now)
      if (outcome.status === 'failed') {
        fail(outcome.error)
        if (stopsRun(outcome.error)) {
          const rest = settings.archs.slice(i + 1)
          if (rest.length > 0) progress.warn(`architecture${rest.length === 1 ? '' : 's'} ${rest.join(', ')} not run: the target's problem is the same for every architecture`)
          break
        }
      }
    } catch (error) {
      // Whatever went wrong, the steps measured are kept and --down still runs.
      if (!cancel.signal.aborted) fail(toErrorInfo(error))
    }
  }
  return failures
}

function archInfo(prepared: PreparedUp) {
  const lb = prepared.arch.lb.account ? prepared.instances.get(prepared.arch.lb.account)?.instance : null
  return {arch: prepared.arch.id, lbType: prepared.arch.lb.instanceType ?? lb?.type ?? '?', apps: [...new Set(prepared.arch.apps.map((a) => a.account))]}
}

/**
 * The confirm accepted the paid types the run's plan showed. A later
 * architecture whose real plan (the fleet read at its turn) starts a paid
 * type the confirmed plan did not is refused (exit 4).
 */
function unconfirmedPaid(prepared: PreparedUp, plan: RunPlan, index: number): ErrorInfo | null {
  const confirmed = new Set(plan.archs[index]?.up.cost.paid.map((p) => `${p.account}:${p.type}`))
  const extra = prepared.up.cost.paid.filter((p) => p.startedByRun && !confirmed.has(`${p.account}:${p.type}`))
  if (extra.length === 0) return null
  return toErrorInfo(new GuardrailError('PaidTypeNotConfirmed', `Architecture ${prepared.arch.id} would now start ${extra.map((p) => `${p.account} as ${p.type}`).join(', ')}, outside freeTypes and not in the plan that was confirmed; it was not run.`, {
    nextSteps: [`Check the fleet (\`fleet status\`), then run \`fleet loadtest --arch ${prepared.arch.id}\` again.`],
  }))
}

/** `--down`: every instance of the profile stopped. After Ctrl-C it still runs; a second Ctrl-C abandons it. */
async function stopFleet(profile: Profile, deps: LoadtestDeps, options: LoadtestOptions): Promise<{down: DownResult | null; downError: ErrorInfo | null; stillCosting: StillCosting[]}> {
  const cancel: Cancel = options.cancel.signal.aborted ? {signal: options.cancel.urgent, urgent: options.cancel.urgent, critical: options.cancel.critical} : options.cancel
  try {
    const prepared = await prepareDown(profile, deps, {keep: [], concurrency: options.concurrency})
    options.progress.downStart([...(profile.data.rds ? ['rds'] : []), ...prepared.plan.map((c) => c.account)])
    const down = await applyDown(profile, {provider: deps.provider, state: deps.state}, prepared, {
      concurrency: options.concurrency,
      waitTimeoutMs: options.waitTimeoutMs,
      cancel,
      onPhase: (account, phase, detail) => options.progress.downPhase(account, phase, detail),
    })
    return {down, downError: null, stillCosting: down.stillCosting}
  } catch (error) {
    const info = toErrorInfo(error)
    return {down: null, downError: info, stillCosting: []}
  }
}

async function leftRunning(profile: Profile, deps: LoadtestDeps, concurrency: number, warnings: string[]): Promise<StillCosting[]> {
  try {
    const found = await stillCosting(profile, {provider: deps.provider, concurrency})
    for (const e of found.errors) warnings.push(`${e.account}: could not tell what it still costs: ${e.error.message}`)
    return found.items
  } catch (error) {
    warnings.push(`could not tell what still costs money: ${toErrorInfo(error).message}`)
    return []
  }
}

/** The run's exit code (spec section 6): 130 interrupted, else the worst of the architectures' and the down's failures (4 over 3). */
export function loadtestExitCode(result: LoadtestResult): ExitCode {
  if (result.interrupted) return ExitCode.interrupted
  const down = result.down ? [...result.down.results.map((r) => r.error), ...rdsErrors(result.down.rds)] : [result.downError]
  return exitCodeOf([...result.failures.map((f) => f.error), ...down])
}
