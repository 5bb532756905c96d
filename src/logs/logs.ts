/**
 * `fleet logs`: every source's remote command runs at once, each on its own
 * SSH channel, and its lines are handed over as they arrive. One host that
 * cannot be reached or whose command fails is reported; the others stream on.
 */
import createDebug from 'debug'
import pLimit from 'p-limit'

import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExternalError, FleetError, InterruptedError, toErrorInfo} from '../errors.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {connect as sshConnect, describeTarget, type KnownHosts, type RemoteShell} from '../remote/index.js'
import type {ConnectOptions, RemoteStream, RemoteTarget} from '../remote/types.js'
import {findFleetInstance, viewOf} from '../fleet/instances.js'
import type {LogSource, LogSourceKind} from './sources.js'

const debug = createDebug('fleet:logs')

export type OutputStream = 'stdout' | 'stderr'

/** How one source ended. */
export interface HostOutcome {
  account: string
  source: LogSourceKind
  label: string
  instanceId: string | null
  /** True when its command ran to its end, or was stopped by Ctrl-C. */
  ok: boolean
  /** Why it was not reached though nothing failed: the instance state (e.g. `stopped`). */
  skipped: string | null
  error: ErrorInfo | null
  /** What the user can do about the error. */
  nextSteps: string[]
}

export interface LogsRequest {
  sources: LogSource[]
  /** Run on a PTY, so that stopping ends the remote commands (`tail -f`). */
  follow: boolean
  /** Only lines matching it are handed over. */
  grep?: RegExp
  /** Each line, as soon as it is complete. */
  onLine(source: LogSource, stream: OutputStream, line: string): void
  /** Each source's outcome, as soon as it is known. */
  onHost?(outcome: HostOutcome): void
}

export interface LogsDeps {
  provider: Pick<AwsProvider, 'forAccount'>
  knownHosts: KnownHosts
  /** Accounts looked up and connected at once (streams, once open, all run together). */
  concurrency: number
  acceptNewHostKey?: boolean
  /** Aborting it (Ctrl-C) stops every remote command; the run then throws InterruptedError. */
  signal?: AbortSignal
  connect?: (target: RemoteTarget, options: ConnectOptions) => Promise<RemoteShell>
}

type Opened = {shell: RemoteShell; instanceId: string} | {skipped: string; instanceId: string | null}

/** Streams the sources' logs; resolves with one outcome per source, in order, once every command has ended. */
export async function readLogs(profile: Profile, deps: LogsDeps, request: LogsRequest): Promise<HostOutcome[]> {
  const limit = pLimit(Math.max(1, deps.concurrency))
  const live = new Set<RemoteStream>()
  const stopAll = () => {
    debug('interrupted: stopping %d streams', live.size)
    for (const stream of live) void stream.stop()
  }
  deps.signal?.addEventListener('abort', stopAll, {once: true})
  try {
    const accounts = [...new Set(request.sources.map((s) => s.account))]
    const perAccount = await Promise.all(
      accounts.map((name) => {
        const sources = request.sources.filter((s) => s.account === name)
        return readAccount(profile.account(name), sources, {request, deps, live, limit})
      }),
    )
    if (deps.signal?.aborted) {
      throw new InterruptedError('Interrupted', 'Interrupted: the log commands were stopped on every host.')
    }
    const outcomes = perAccount.flat()
    return request.sources.map((s) => outcomes.find((o) => o.account === s.account && o.source === s.kind)!)
  } finally {
    deps.signal?.removeEventListener('abort', stopAll)
  }
}

interface RunContext {
  request: LogsRequest
  deps: LogsDeps
  live: Set<RemoteStream>
  limit: ReturnType<typeof pLimit>
}

async function readAccount(account: ResolvedAccount, sources: LogSource[], ctx: RunContext): Promise<HostOutcome[]> {
  const report = (outcome: HostOutcome) => {
    ctx.request.onHost?.(outcome)
    return outcome
  }
  let opened: Opened
  try {
    opened = await ctx.limit(() => openAccount(account, ctx.deps))
  } catch (error) {
    return sources.map((source) => report(failed(source, null, error)))
  }
  if ('skipped' in opened) return sources.map((source) => report(outcomeOf(source, opened.instanceId, {skipped: opened.skipped})))
  const {shell, instanceId} = opened
  try {
    return await Promise.all(
      sources.map(async (source) => {
        try {
          await runSource(shell, source, ctx)
          return report(outcomeOf(source, instanceId, {}))
        } catch (error) {
          return report(failed(source, instanceId, error))
        }
      }),
    )
  } finally {
    await shell.dispose()
  }
}

/** Finds the account's instance and connects, unless it is not running. */
async function openAccount(account: ResolvedAccount, deps: LogsDeps): Promise<Opened> {
  if (deps.signal?.aborted) return {skipped: 'interrupted', instanceId: null}
  const ec2 = await (await deps.provider.forAccount(account)).ec2()
  const instance = viewOf((await findFleetInstance(ec2, account)).instance)
  if (instance.state !== 'running') return {skipped: instance.state, instanceId: instance.id}
  const target = remoteTargetFor(account, instance)
  const shell = await (deps.connect ?? sshConnect)(target, {knownHosts: deps.knownHosts, acceptNewHostKey: deps.acceptNewHostKey})
  if (deps.signal?.aborted) {
    await shell.dispose()
    return {skipped: 'interrupted', instanceId: instance.id}
  }
  return {shell, instanceId: instance.id}
}

async function runSource(shell: RemoteShell, source: LogSource, ctx: RunContext): Promise<void> {
  const {request} = ctx
  debug('%s: %s', source.label, source.command)
  const stream = shell.stream(source.command, {
    pty: request.follow,
    onLine: (line, from) => {
      if (!request.grep || request.grep.test(line)) request.onLine(source, from, line)
    },
  })
  ctx.live.add(stream)
  if (ctx.deps.signal?.aborted) void stream.stop()
  try {
    const end = await stream.done
    if (end.stopped || end.code === 0) return
    const how = end.code === null ? `was killed by ${end.signal ?? 'a signal'}` : `exited with ${end.code}`
    const key = source.kind === 'app' ? 'apps.logs' : 'nginx.logs'
    throw new ExternalError('LogsCommandFailed', `\`${source.command}\` ${how} on ${describeTarget(shell.target)}.`, {
      nextSteps: [`Its output is above, prefixed ${source.label}; check ${key} in the profile.`],
    })
  } finally {
    ctx.live.delete(stream)
  }
}

function outcomeOf(source: LogSource, instanceId: string | null, extra: {skipped?: string}): HostOutcome {
  return {
    account: source.account,
    source: source.kind,
    label: source.label,
    instanceId,
    ok: true,
    skipped: extra.skipped ?? null,
    error: null,
    nextSteps: [],
  }
}

function failed(source: LogSource, instanceId: string | null, error: unknown): HostOutcome {
  debug('%s failed: %o', source.label, error)
  return {
    ...outcomeOf(source, instanceId, {}),
    ok: false,
    error: toErrorInfo(error),
    nextSteps: error instanceof FleetError ? error.nextSteps : [],
  }
}
