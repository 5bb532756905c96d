/**
 * The hosts of one architecture while it is under load: one SSH session per
 * host (the LB and each app server; an app on the LB host shares its
 * session), opened before the first step and kept until the last, each
 * running one sampling loop (src/loadtest/host-sampler.ts). A host that
 * cannot be reached is reported and left unsampled: the load still runs.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {toErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile} from '../profile/types.js'
import {connect, KnownHosts} from '../remote/index.js'
import type {RemoteShell} from '../remote/types.js'
import {type HostSampler, startHostSampler} from './host-sampler.js'
import type {HostSummary} from './host-summary.js'
import {type AlertMatch, alertCheckCommand, matchWorkerConnectionAlerts} from './nginx-alerts.js'

export interface OpenHost {
  account: string
  shell: RemoteShell | null
  sampler: HostSampler | null
  /** Why it is not sampled. */
  error: string | null
}

export interface ArchHosts {
  lb: OpenHost
  /** The app servers by account (the LB's own entry when an app runs on the LB host). */
  apps: Map<string, OpenHost>
  /** A host's figures over a window; null when it is not sampled. */
  summary(account: string, window: {from: number; to: number}): HostSummary | null
  /** Waits (at most `maxMs`) until every sampled host has a sample at or after `at`, so samples bound the window. */
  sampledPast(at: number, maxMs?: number): Promise<void>
  /** nginx's "worker_connections are not enough" since `since`; null when the check could not run. */
  alerts(since: Date): Promise<AlertMatch | null>
  /** Hosts that could not be sampled, in words. */
  problems(): string[]
  close(): Promise<void>
}

export interface OpenHostsOptions {
  signal?: AbortSignal
  /** Keep retrying SSH while a just-started host boots. */
  retryForMs?: number
  acceptNewHostKey?: boolean
}

const ALERT_CHECK_MS = 20_000

/** How long a host's first sample may take before the first step starts without it. */
const FIRST_SAMPLE_MS = 10_000

/**
 * Opens the sessions (in parallel), starts sampling each host and waits (at
 * most FIRST_SAMPLE_MS) for every host's first sample: a step's figures are
 * bounded by samples on both sides, so a step that started before its host's
 * first sample could have none. A host still without one is a problem.
 */
export async function openHosts(profile: Profile, instances: FleetInstances, lb: string, apps: readonly string[], options: OpenHostsOptions): Promise<ArchHosts> {
  const accounts = [...new Set([lb, ...apps])]
  const opened = await Promise.all(accounts.map((account) => openOne(profile, instances, account, options)))
  await firstSamples(opened, options.signal)
  const byName = new Map(opened.map((h) => [h.account, h]))
  const logs = profile.data.nginx?.logs
  return {
    lb: byName.get(lb)!,
    apps: new Map(apps.map((a) => [a, byName.get(a)!])),
    summary: (account, window) => byName.get(account)?.sampler?.summary(window) ?? null,
    async sampledPast(at, maxMs = 2500) {
      const deadline = Date.now() + maxMs
      const behind = () => opened.some((h) => h.sampler && !h.sampler.error() && (h.sampler.samples().at(-1)?.at ?? 0) < at)
      while (behind() && Date.now() < deadline) await sleep(100)
    },
    async alerts(since) {
      const shell = byName.get(lb)?.shell
      if (!shell || !logs) return null
      try {
        const out = await shell.exec(alertCheckCommand(logs, since), {timeoutMs: ALERT_CHECK_MS})
        return matchWorkerConnectionAlerts(out.stdout.split('\n'), since)
      } catch {
        return null
      }
    },
    problems: () => opened.flatMap((h) => {
      if (h.error) return [`${h.account}: ${h.error}`]
      if (h.sampler?.error()) return [`${h.account}: ${h.sampler.error()!.message}`]
      if (h.sampler?.samples().length === 0) return [`${h.account}: no CPU sample within ${FIRST_SAMPLE_MS / 1000} s of opening its session: its CPU may show as unknown`]
      return []
    }),
    async close() {
      await Promise.all(opened.map(async (h) => {
        await h.sampler?.stop()
        await h.shell?.dispose()
      }))
    },
  }
}

/** Resolves once every sampled host has a sample (or its loop failed), after FIRST_SAMPLE_MS, or on abort. */
async function firstSamples(opened: OpenHost[], signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + FIRST_SAMPLE_MS
  const waiting = () => opened.some((h) => h.sampler && !h.sampler.error() && h.sampler.samples().length === 0)
  while (waiting() && Date.now() < deadline && !signal?.aborted) await sleep(50)
}

async function openOne(profile: Profile, instances: FleetInstances, account: string, options: OpenHostsOptions): Promise<OpenHost> {
  const instance = instances.get(account)?.instance
  if (!instance || instance.state !== 'running') return {account, shell: null, sampler: null, error: `not sampled: its instance is ${instance?.state ?? 'not found'}`}
  try {
    const target = remoteTargetFor(profile.account(account), instance)
    const shell = await abortable(connect(target, {knownHosts: new KnownHosts(), retryForMs: options.retryForMs ?? 0, acceptNewHostKey: options.acceptNewHostKey}), options.signal)
    return {account, shell, sampler: startHostSampler(shell), error: null}
  } catch (error) {
    return {account, shell: null, sampler: null, error: `not sampled: ${toErrorInfo(error).message.split('\n')[0]}`}
  }
}

/** The connection, or a rejection as soon as `signal` aborts (a connection made after that is closed). */
function abortable(connecting: Promise<RemoteShell>, signal: AbortSignal | undefined): Promise<RemoteShell> {
  if (!signal) return connecting
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(new Error('interrupted'))
      void connecting.then((shell) => shell.dispose(), () => undefined)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, {once: true})
    connecting.then(
      (shell) => {
        signal.removeEventListener('abort', onAbort)
        if (signal.aborted) void shell.dispose()
        else resolve(shell)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
