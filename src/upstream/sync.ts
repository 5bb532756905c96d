import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExternalError, InterruptedError, toErrorInfo} from '../errors.js'
import {
  type ConfigEncoding,
  decodeConfig,
  dumpHasUpstream,
  encodeConfig,
  type NginxFoundBefore,
  planNginxFiles,
  unifiedDiff,
} from '../nginx/index.js'
import {type FollowIpsResult} from '../network/follow-ips.js'
import {syncFleetRules} from '../network/fleet-rules.js'
import type {Profile} from '../profile/load.js'
import {KnownHosts, type RemoteShell, withRemote} from '../remote/index.js'
import type {StateStore} from '../state/state-store.js'
import {upstreamContext, type UpstreamContext} from './context.js'
import {checkHealth, type ServerHealth} from './health.js'
import {applyWithRollback, type FileChange} from './safe-apply.js'
import type {Skipped} from './servers.js'

/** `upstream sync` (spec section 5), plus what people need to read it. */
export interface SyncResult {
  arch: string
  servers: string[]
  changed: boolean
  diff: string
  reloaded: boolean
  rolledBack: boolean
  lb: {account: string; instanceId: string; publicIp: string | null; privateIp: string | null}
  skipped: Skipped[]
  warnings: string[]
  /** null when apps.health is not set. */
  health: ServerHealth[] | null
  /** The security-group rules that follow the IPs, per account. */
  securityGroups: FollowIpsResult[]
  error: ErrorInfo | null
}

export interface SyncOptions {
  archFlag?: string
  dryRun: boolean
  concurrency: number
  acceptNewHostKey?: boolean
  /** Keep retrying SSH while a just-started LB boots (used by `up`). */
  sshRetryMs?: number
  healthWaitMs?: number
  /** Told each step as it starts, for a progress display. */
  onStep?: (label: string) => void
  /**
   * Ctrl-C. It is obeyed between steps, never while nginx's files are being
   * changed: an interrupted write-test-reload would leave files that a re-run
   * finds as wanted but nginx never loaded.
   */
  signal?: AbortSignal
}

export interface SyncDeps {
  provider: AwsProvider
  state: StateStore
}

const FOUND_BEFORE = 'nginx-found-before'

/**
 * Points nginx's upstream at the running app servers' current IPs and
 * applies the architecture's nginx settings, safely: backup, in-place write,
 * test, reload, confirm, roll back on any failure. Never writes an empty
 * upstream; a second run with nothing new changes nothing.
 */
export async function upstreamSync(profile: Profile, deps: SyncDeps, options: SyncOptions): Promise<SyncResult> {
  const step = stepper(options)
  step('reading the instances')
  const ctx = await upstreamContext(profile, {...deps, concurrency: options.concurrency}, options.archFlag, 'fleet upstream sync')
  if (ctx.servers.length === 0) {
    throw new ExternalError('NoRunningApps', `No app server of architecture ${ctx.arch.id} is running, and fleet never writes an empty upstream.`, {
      nextSteps: [`Start them: fleet up --arch ${ctx.arch.id}.`, ...ctx.skipped.map((s) => `${s.account}: ${s.reason}`)],
    })
  }
  step('security groups')
  const securityGroups = await rulesFor(profile, ctx, deps, options)
  step(`connecting to ${ctx.lb.account}`)
  const connect = {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey, retryForMs: options.sshRetryMs ?? 0}
  const result = await withRemote(ctx.lb.target, connect, (sh) => syncOnHost(sh, ctx, deps, options))
  result.securityGroups = securityGroups
  const failed = securityGroups.filter((g) => !g.ok)
  if (!result.error && failed.length > 0) {
    result.error = {code: 'SecurityGroupsFailed', message: failed.map((g) => `${g.account}: ${g.error?.message}`).join('\n')}
  }
  return result
}

/**
 * The groups first, so that nginx never points at a server whose group does
 * not admit it yet. A failure here is reported, and the sync goes on.
 */
async function rulesFor(profile: Profile, ctx: UpstreamContext, deps: SyncDeps, options: SyncOptions): Promise<FollowIpsResult[]> {
  const lbIp = ctx.nginx.address === 'public' ? ctx.lb.instance.publicIp : ctx.lb.instance.privateIp
  const sgDeps = {provider: deps.provider, concurrency: options.concurrency, dryRun: options.dryRun}
  try {
    return await syncFleetRules(profile, sgDeps, {lbIp, apps: ctx.ports})
  } catch (error) {
    const info = toErrorInfo(error)
    return [{account: ctx.lb.account, ok: false, error: info, dryRun: options.dryRun, authorized: [], revoked: [], groups: [], warnings: []}]
  }
}

async function syncOnHost(sh: RemoteShell, ctx: UpstreamContext, deps: SyncDeps, options: SyncOptions): Promise<SyncResult> {
  const {nginx} = ctx
  const step = stepper(options)
  step('reading the nginx config')
  const files = await readNginxFiles(sh, ctx)
  const foundBefore = (await deps.state.read<NginxFoundBefore>(FOUND_BEFORE)) ?? undefined
  const plan = planNginxFiles({
    config: files.config.text,
    upstreamFile: files.upstream?.text ?? null,
    target: {upstream: nginx.upstream, upstreamInclude: nginx.upstreamInclude ?? nginx.upstreamFile, source: nginx.config},
    settings: ctx.arch.nginx,
    foundBefore,
    servers: ctx.servers,
  })
  const diff = unifiedDiff(nginx.config, files.config.text, plan.config.text) + unifiedDiff(nginx.upstreamFile, files.upstream?.text ?? '', plan.upstreamFile)
  const result: SyncResult = {
    arch: ctx.arch.id,
    servers: ctx.servers,
    changed: plan.changed,
    diff,
    reloaded: false,
    rolledBack: false,
    lb: {account: ctx.lb.account, instanceId: ctx.lb.instance.id, publicIp: ctx.lb.instance.publicIp, privateIp: ctx.lb.instance.privateIp},
    skipped: ctx.skipped,
    warnings: plan.config.warnings,
    health: null,
    securityGroups: [],
    error: null,
  }
  if (options.dryRun) return result

  if (plan.changed) {
    const changes: FileChange[] = []
    if (plan.upstreamChanged) {
      changes.push({path: nginx.upstreamFile, before: files.upstream?.bytes ?? null, after: encodeConfig(plan.upstreamFile, files.upstream?.encoding ?? 'utf8')})
    }
    if (plan.config.changed) {
      changes.push({path: nginx.config, before: files.config.bytes, after: encodeConfig(plan.config.text, files.config.encoding)})
    }
    step('writing, testing and reloading nginx')
    const outcome = await applyWithRollback(sh, changes, nginx, (dump) => dumpHasUpstream(dump, nginx.upstream, ctx.servers))
    Object.assign(result, {reloaded: outcome.reloaded, rolledBack: outcome.rolledBack, error: outcome.error ? toErrorInfo(outcome.error) : null})
    if (outcome.error) return result
    await deps.state.write(FOUND_BEFORE, plan.config.foundBefore)
  }
  const health = ctx.healthPath
  if (health) {
    step(`asking every server for ${health}`)
    result.health = await checkHealth(sh, ctx.servers, health, options.healthWaitMs)
    const bad = result.health.filter((h) => !h.ok)
    if (bad.length > 0) {
      const list = bad.map((h) => `${h.server} (${h.status ?? 'no answer'})`).join(', ')
      result.error = {code: 'UnhealthyServers', message: `From the nginx host, ${health} did not answer 2xx/3xx on: ${list}.`}
    }
  }
  return result
}

/** Reports a step, first stopping if Ctrl-C came: steps are the safe places to stop. */
function stepper(options: SyncOptions): (label: string) => void {
  return (label) => {
    if (options.signal?.aborted) throw new InterruptedError('Interrupted', 'Interrupted; nginx was left consistent (a re-run converges).')
    options.onStep?.(label)
  }
}

interface HostFile {
  bytes: Buffer
  text: string
  encoding: ConfigEncoding
}

async function readNginxFiles(sh: RemoteShell, ctx: UpstreamContext): Promise<{config: HostFile; upstream: HostFile | null}> {
  const {nginx} = ctx
  const configBytes = await sh.readFile(nginx.config)
  if (configBytes === null) {
    throw new ExternalError('NginxConfigMissing', `nginx.config ${nginx.config} does not exist on ${ctx.lb.account} (${ctx.lb.target.user}@${ctx.lb.target.host}).`, {
      nextSteps: ['Set nginx.config to the main config as the host sees it (not the path inside a container).'],
    })
  }
  const upstreamBytes = await sh.readFile(nginx.upstreamFile)
  return {config: hostFile(configBytes), upstream: upstreamBytes === null ? null : hostFile(upstreamBytes)}
}

function hostFile(bytes: Buffer): HostFile {
  return {bytes, ...decodeConfig(bytes)}
}
