import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, GuardrailError} from '../errors.js'
import {AUTO_STOP_TAG, type InstanceView} from '../fleet/instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile} from '../profile/load.js'
import {KnownHosts, withRemote} from '../remote/index.js'
import {remoteTimeoutMs} from '../remote/timeouts.js'
import {fanOut} from '../util/fan-out.js'

/** The longest `--ttl`: beyond a week it no longer protects a forgotten fleet (stop it with `fleet down`). */
export const MAX_TTL_MS = 7 * 24 * 3_600_000

/** One instance's own stop, as scheduled (or cancelled) over SSH. */
export interface AutoStopOutcome {
  account: string
  instanceId: string
  ok: boolean
  /** When the instance stops itself (ISO), null when none is scheduled. */
  at: string | null
  error: ErrorInfo | null
}

export interface AutoStopTarget {
  account: string
  instance: InstanceView
}

const DEFAULT_SCHEDULE = 'sudo shutdown -h +{minutes}'
const DEFAULT_CANCEL = 'sudo shutdown -c'

/**
 * Refuses `--ttl` (exit 4) before anything changes when an instance would
 * terminate itself on shutdown: fleet never terminates (spec section 7).
 */
export async function assertStopsOnShutdown(profile: Profile, provider: AwsProvider, targets: AutoStopTarget[], concurrency: number): Promise<void> {
  const outcomes = await fanOut(targets, concurrency, async (t) => {
    const port = await (await provider.forAccount(profile.account(t.account))).instances()
    return port.shutdownBehavior(t.instance.id)
  })
  const terminating = targets.filter((_, i) => {
    const o = outcomes[i]!
    return o.ok && o.value === 'terminate'
  })
  if (terminating.length > 0) {
    const names = terminating.map((t) => `${t.account} (${t.instance.id})`).join(', ')
    throw new GuardrailError('TerminatesOnShutdown', `--ttl refused: ${names} would be TERMINATED by its own shutdown (InstanceInitiatedShutdownBehavior is terminate); nothing was changed.`, {
      nextSteps: ['Set it to stop: aws ec2 modify-instance-attribute --instance-id ID --instance-initiated-shutdown-behavior Value=stop, or run without --ttl.'],
    })
  }
  const unread = outcomes.flatMap((o, i) => (o.ok ? [] : [`${targets[i]!.account}: ${o.error.message}`]))
  if (unread.length > 0) {
    throw new GuardrailError('ShutdownBehaviorUnknown', `--ttl refused: fleet could not check that these instances stop (not terminate) on shutdown:\n${unread.join('\n')}`)
  }
}

/**
 * Each instance schedules its own stop over SSH (`autoStop.schedule`, after
 * `autoStop.cancel` so a re-run reschedules) and is tagged
 * `fleet:auto-stop-at`. One that fails is named; the others keep theirs.
 */
export async function scheduleAutoStop(
  profile: Profile,
  deps: {provider: AwsProvider; concurrency: number},
  options: {targets: AutoStopTarget[]; ttlMs: number; acceptNewHostKey?: boolean; sshRetryMs?: number; now?: () => Date},
): Promise<AutoStopOutcome[]> {
  const minutes = Math.max(1, Math.ceil(options.ttlMs / 60_000))
  const at = new Date((options.now?.() ?? new Date()).getTime() + minutes * 60_000).toISOString()
  const schedule = (profile.data.autoStop?.schedule ?? DEFAULT_SCHEDULE).replaceAll('{minutes}', String(minutes))
  const cancel = profile.data.autoStop?.cancel ?? DEFAULT_CANCEL
  return onEach(profile, deps, options, async (t, run) => {
    await run(cancel, false)
    await run(schedule, true)
    await (await (await deps.provider.forAccount(profile.account(t.account))).instances()).tag(t.instance.id, AUTO_STOP_TAG, at)
    return at
  })
}

/** Cancels the instances' own stop (`autoStop.cancel`) and removes the tag: `down --keep`. */
export async function cancelAutoStop(
  profile: Profile,
  deps: {provider: AwsProvider; concurrency: number},
  options: {targets: AutoStopTarget[]; acceptNewHostKey?: boolean},
): Promise<AutoStopOutcome[]> {
  const cancel = profile.data.autoStop?.cancel ?? DEFAULT_CANCEL
  return onEach(profile, deps, options, async (t, run) => {
    await run(cancel, true)
    await (await (await deps.provider.forAccount(profile.account(t.account))).instances()).untag(t.instance.id, AUTO_STOP_TAG)
    return null
  })
}

type Runner = (command: string, mustPass: boolean) => Promise<void>

async function onEach(
  profile: Profile,
  deps: {concurrency: number},
  options: {targets: AutoStopTarget[]; acceptNewHostKey?: boolean; sshRetryMs?: number},
  work: (target: AutoStopTarget, run: Runner) => Promise<string | null>,
): Promise<AutoStopOutcome[]> {
  const outcomes = await fanOut(options.targets, deps.concurrency, async (t) => {
    const target = remoteTargetFor(profile.account(t.account), t.instance)
    const connect = {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey, retryForMs: options.sshRetryMs ?? 0}
    return withRemote(target, connect, (sh) =>
      work(t, async (command, mustPass) => {
        // A cancel with nothing scheduled may exit non-zero: only the schedule itself must pass.
        if (mustPass) await sh.execOrThrow(command, {timeoutMs: remoteTimeoutMs()})
        else await sh.exec(command, {timeoutMs: remoteTimeoutMs()})
      }),
    )
  })
  return options.targets.map((t, i): AutoStopOutcome => {
    const o = outcomes[i]!
    return {account: t.account, instanceId: t.instance.id, ok: o.ok, at: o.ok ? o.value : null, error: o.ok ? null : o.error}
  })
}
