/**
 * One architecture's part of a load test: converge with `up`'s own service
 * (its health check included), wait until the target answers, open one SSH
 * session per host, then each user level: a warm-up and a measured step,
 * the hosts sampled meanwhile and nginx's error log checked after, the step
 * recorded (and the run's files rewritten) before the next one starts.
 */
import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExitCode, exitCodeOf, ExternalError, toErrorInfo} from '../errors.js'
import {type InstanceRead, readInstances} from '../fleet/read-instances.js'
import type {Profile} from '../profile/types.js'
import type {StateStore} from '../state/json-store.js'
import {applyUp, rdsErrors, type UpResult} from '../up/apply.js'
import type {PreparedUp} from '../up/prepare.js'
import type {Cancel} from '../util/cancel.js'
import {type ArchHosts, openHosts} from './hosts.js'
import type {RunRecorder} from './recorder.js'
import {stepRecord} from './report.js'
import {type PinnedTarget, pinnedAddress, pinTarget, refuseEmulatedAddress, sourceText} from './pin.js'
import {type LoadtestSettings, targetLine, targetUrl} from './settings.js'
import {waitForTarget} from './target-ready.js'
import type {LoadEngine, StepRecord} from './types.js'
import type {LoadtestProgress} from './progress-events.js'

export interface ArchRunContext {
  profile: Profile
  deps: {provider: AwsProvider; state: StateStore}
  settings: LoadtestSettings
  engine: LoadEngine
  recorder: RunRecorder
  cancel: Cancel
  progress: LoadtestProgress
  concurrency: number
  waitTimeoutMs: number
  /** How long the target may take to answer after `up` (default 2 min). */
  targetWaitMs?: number
  /** How long to retry SSH to a just-started host (default 2 min). */
  sshRetryMs?: number
}

export type ArchOutcome = {status: 'measured'; up: UpResult} | {status: 'failed'; up: UpResult | null; error: ErrorInfo} | {status: 'interrupted'; up: UpResult | null}

/** Runs one architecture's part; never throws for what an account or host did (the outcome says it). */
export async function runArch(ctx: ArchRunContext, prepared: PreparedUp): Promise<ArchOutcome> {
  const arch = prepared.arch
  const up = await applyUp(ctx.profile, ctx.deps, prepared, {
    concurrency: ctx.concurrency,
    waitTimeoutMs: ctx.waitTimeoutMs,
    cancel: ctx.cancel,
    onPhase: (account, phase, detail) => ctx.progress.upPhase(account, phase, detail),
    onStep: (label) => ctx.progress.upPhase('upstream', 'syncing', label),
  })
  ctx.progress.upDone(up)
  if (up.interrupted) return {status: 'interrupted', up}
  const upError = upFailure(up)
  if (upError) return {status: 'failed', up, error: upError}
  let hosts: ArchHosts | null = null
  try {
    const lb = arch.lb.account!
    const apps = arch.apps.map((a) => a.account)
    const instances = await readInstances(ctx.profile, {provider: ctx.deps.provider, concurrency: ctx.concurrency}, [...new Set([lb, ...apps])])
    const pin = pinLb(ctx, instances.get(lb))
    const line = targetLine(ctx.settings.target, ctx.settings.address, pinnedAddress(pin))
    ctx.recorder.setTarget(arch.id, pin.url, pinnedAddress(pin))
    ctx.progress.load('waiting', `for ${line}`)
    await waitForTarget(pin, {
      timeoutMs: ctx.targetWaitMs ?? 120_000,
      signal: ctx.cancel.signal,
      healthPath: ctx.profile.data.apps?.health,
      down: ctx.settings.down,
      onWait: (why) => ctx.progress.load('waiting', `for ${line} (${why})`),
    })
    ctx.progress.load('connecting', 'one SSH session per host, for the CPU samples')
    hosts = await openHosts(ctx.profile, instances, lb, [...new Set(apps)], {signal: ctx.cancel.signal, retryForMs: ctx.sshRetryMs ?? 120_000})
    for (const problem of hosts.problems()) ctx.progress.warn(problem)
    for (const [i, users] of ctx.settings.users.entries()) {
      if (ctx.cancel.signal.aborted) break
      const step = await measure(ctx, hosts, {arch: arch.id, url: pin.url, address: pin.ip, users, index: i})
      if (step) {
        await ctx.recorder.add(step)
        ctx.progress.stepDone(step)
      }
    }
    if (ctx.cancel.signal.aborted) {
      ctx.progress.load('interrupted', 'the load stopped; the steps measured are kept')
      return {status: 'interrupted', up}
    }
    ctx.progress.load('done', `${ctx.settings.users.length} steps`)
    return {status: 'measured', up}
  } catch (error) {
    if (ctx.cancel.signal.aborted) return {status: 'interrupted', up}
    return {status: 'failed', up, error: toErrorInfo(error)}
  } finally {
    await hosts?.close()
  }
}

/**
 * The target of this architecture, pinned to the LB it converged: its public
 * or private IP (`loadtest.address`) as AWS reports it now, never a DNS
 * answer (a record for the site may still name the LB's IP before this start).
 */
function pinLb(ctx: ArchRunContext, read: InstanceRead | undefined): PinnedTarget {
  const {address} = ctx.settings
  if (read?.error) throw new ExternalError(read.error.code, `${address.account}: ${read.error.message}`, {nextSteps: read.error.nextSteps})
  const lb = read?.instance ?? null
  const ip = (address.kind === 'public' ? lb?.publicIp : lb?.privateIp) ?? null
  if (!ip) {
    throw new ExternalError('NoTarget', `${sourceText(address)} is not known after \`up\` (the instance ${lb ? `is ${lb.state}` : 'was not found'}): there is nowhere to send the load.`, {
      nextSteps: [address.kind === 'public' ? 'An instance in a subnet without public IPs has none: set `loadtest.address: private` when this machine reaches its private IP.' : 'Check the LB with `fleet status`.'],
    })
  }
  refuseEmulatedAddress(ip, address)
  return pinTarget(targetUrl(ctx.settings.target, ip)!, ip)
}

/** Why the architecture cannot be measured after its `up` (an account, the upstream or its health check failed); null when it can. */
function upFailure(up: UpResult): ErrorInfo | null {
  const errors = [...up.results.map((r) => r.error), up.sync?.error ?? null, up.drain.error, ...rdsErrors(up.rds)].filter((e): e is ErrorInfo => e !== null)
  if (!up.sync) errors.push({code: 'NotSynced', message: 'the upstream was not synced: the nginx host is not up'})
  if (errors.length === 0) return null
  const error = new ExternalError('UpFailed', `\`up --arch ${up.arch}\` did not complete, so it was not measured: ${errors.map((e) => e.message.split('\n')[0]).join('; ')}`, {
    nextSteps: [`See what failed with \`fleet up --arch ${up.arch}\`, then run the load test again.`],
  })
  return {...toErrorInfo(error), exitCode: exitCodeOf(errors) === ExitCode.ok ? ExitCode.external : exitCodeOf(errors)}
}

/** One user level: warm-up and measured step, then the hosts' figures over the measured window. */
async function measure(ctx: ArchRunContext, hosts: ArchHosts, at: {arch: string; url: string; address: string; users: number; index: number}): Promise<StepRecord | null> {
  const {settings} = ctx
  const label = `${at.users} users (step ${at.index + 1} of ${settings.users.length})`
  ctx.progress.load(settings.warmupMs > 0 ? 'warm-up' : 'measuring', label)
  const measuring = settings.warmupMs > 0 ? setTimeout(() => ctx.progress.load('measuring', label), settings.warmupMs) : undefined
  const since = new Date()
  try {
    const result = await ctx.engine({url: at.url, address: at.address, users: at.users, thinkMs: settings.thinkMs, durationMs: settings.durationMs, warmupMs: settings.warmupMs, signal: ctx.cancel.signal})
    clearTimeout(measuring)
    // A step stopped before its measured part began has nothing to keep.
    if (result.aborted && result.requests === 0) return null
    ctx.progress.load('sampling', label)
    await hosts.sampledPast(result.measuredTo, result.aborted ? 1200 : 2500)
    const window = {from: result.measuredFrom, to: result.measuredTo}
    const apps = Object.fromEntries([...hosts.apps.keys()].map((name) => [name, hosts.summary(name, window)]))
    const alerts = await hosts.alerts(since)
    const record = stepRecord(at.arch, at.users, result, {lb: hosts.summary(hosts.lb.account, window), apps, alerts})
    return {...record, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString()}
  } finally {
    clearTimeout(measuring)
  }
}
