import {spawn} from 'node:child_process'
import {dirname} from 'node:path'

import {type ErrorInfo, ExternalError, toErrorInfo} from '../errors.js'
import type {InstanceView} from '../fleet/instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile} from '../profile/load.js'
import {KnownHosts, shellQuote, withRemote} from '../remote/index.js'
import {remoteTimeoutMs, sshBootWaitMs} from '../remote/timeouts.js'
import {fanOut} from '../util/fan-out.js'

/** A start-up chore run on a host `up` started: `nginx.start` on the LB, `apps.start` on an app server. */
export interface ChoreOutcome {
  account: string
  command: string
  ok: boolean
  error: ErrorInfo | null
}

/**
 * What the story's author did by hand after every start: containers
 * without a restart policy stay down, so `nginx.start` runs on the LB and
 * `apps.start` on each app server this run started, over SSH (retried while
 * the host boots), before the upstream sync. A failure is reported; the run
 * goes on.
 */
export async function runStartChores(
  profile: Profile,
  options: {started: Array<{account: string; instance: InstanceView}>; concurrency: number; acceptNewHostKey?: boolean; sshRetryMs?: number},
): Promise<ChoreOutcome[]> {
  const lb = profile.data.nginx?.on
  const jobs = options.started.flatMap((s) => {
    const command = s.account === lb ? profile.data.nginx?.start : profile.data.apps?.start
    return command ? [{...s, command}] : []
  })
  const outcomes = await fanOut(jobs, options.concurrency, async (job) => {
    const target = remoteTargetFor(profile.account(job.account), job.instance)
    const connect = {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey, retryForMs: options.sshRetryMs ?? sshBootWaitMs()}
    await withRemote(target, connect, (sh) => sh.execOrThrow(job.command, {timeoutMs: remoteTimeoutMs()}))
  })
  return jobs.map((job, i): ChoreOutcome => {
    const o = outcomes[i]!
    return {account: job.account, command: job.command, ok: o.ok, error: o.ok ? null : o.error}
  })
}

/** The outcome of `onLbIpChange`, run here when the LB's public IP changed. */
export interface HookOutcome {
  command: string
  ok: boolean
  error: ErrorInfo | null
}

/** How long `onLbIpChange` may run (FLEET_HOOK_TIMEOUT seconds, default 120): a hook that hangs never holds the run. */
export function hookTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.FLEET_HOOK_TIMEOUT)
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 120) * 1000
}

/**
 * Runs the profile's `onLbIpChange` on this machine with `{ip}` and `{dns}`
 * (shell-quoted), from the profile's folder (so `./update-dns.sh` works), under
 * a deadline. Its output goes to stderr; its failure is reported, and the
 * fleet stays up.
 */
export async function runLbIpHook(profile: Profile, values: {ip: string; dns: string | null}, timeoutMs = hookTimeoutMs()): Promise<HookOutcome | null> {
  const template = profile.data.onLbIpChange
  if (!template) return null
  const command = template.replaceAll('{ip}', shellQuote(values.ip)).replaceAll('{dns}', shellQuote(values.dns ?? ''))
  try {
    await runLocal(command, dirname(profile.file), timeoutMs)
    return {command, ok: true, error: null}
  } catch (error) {
    return {command, ok: false, error: toErrorInfo(error)}
  }
}

function runLocal(command: string, cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that a deadline ends the hook and whatever it started.
    const child = spawn('sh', ['-c', command], {cwd, stdio: ['ignore', 'inherit', 'inherit'], detached: true})
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
      reject(new ExternalError('HookTimeout', `onLbIpChange \`${command}\` did not finish within ${timeoutMs / 1000} s and was stopped; the fleet is up.`, {
        nextSteps: ['Run it by hand, and check what it waits for. FLEET_HOOK_TIMEOUT sets the deadline in seconds.'],
      }))
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new ExternalError('HookFailed', `onLbIpChange \`${command}\` could not run: ${error.message}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new ExternalError('HookFailed', `onLbIpChange \`${command}\` ${code === null ? `was killed by ${signal}` : `exited with ${code}`}; the fleet is up.`, {nextSteps: ['Its output is above; run it by hand once it is fixed.']}))
    })
  })
}

/** For a health check that failed on a server just started without `apps.start`: its containers may simply not be running. */
export function startHint(profile: Profile, account: string, startedByRun: boolean): string | null {
  if (!startedByRun || profile.data.apps?.start) return null
  return `${account} was just started and apps.start is not set: its containers may not be running (no restart policy); set apps.start (e.g. docker compose -f ... up -d)`
}
