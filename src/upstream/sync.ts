import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExternalError, toErrorInfo} from '../errors.js'
import {type FleetInstances, readInstances} from '../fleet/read-instances.js'
import {type FollowIpsResult} from '../network/follow-ips.js'
import {syncFleetRules} from '../network/fleet-rules.js'
import {architectureView} from '../profile/architecture.js'
import {type Profile, resolveArchitecture} from '../profile/load.js'
import {connect, KnownHosts} from '../remote/index.js'
import {readDb} from '../rds/db.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import {upstreamContext, type UpstreamContext} from './context.js'
import type {ServerHealth} from './health.js'
import {syncOnHost} from './host.js'
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

export interface SyncDeps {
  provider: AwsProvider
  state: StateStore
  /** The locks of the instances the run changes; without it (a dry run) none is taken. */
  locks?: Locks
}

export interface SyncOptions {
  archFlag?: string
  dryRun: boolean
  concurrency: number
  acceptNewHostKey?: boolean
  /** The instances the caller already read (`up`): then nothing is read again. */
  instances?: FleetInstances
  /** Keep retrying SSH while a just-started LB boots (used by `up`). */
  sshRetryMs?: number
  healthWaitMs?: number
  onStep?: (label: string) => void
  cancel?: Cancel
}

/**
 * Points nginx's upstream at the running app servers' current IPs and
 * applies the architecture's nginx settings: the security groups first, so
 * nginx never points at a server whose group does not admit it yet, then
 * the host step (src/upstream/host.ts) under the LB instance's lock. Never
 * writes an empty upstream; a second run with nothing new changes nothing.
 */
export async function upstreamSync(profile: Profile, deps: SyncDeps, options: SyncOptions): Promise<SyncResult> {
  const {id} = resolveArchitecture(profile, options.archFlag, await lastAppliedArch(deps.state))
  options.onStep?.('reading the instances')
  const instances = options.instances ?? (await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency}))
  const ctx = upstreamContext(profile, architectureView(profile, id), instances, 'fleet upstream sync')
  if (ctx.servers.length === 0) {
    throw new ExternalError('NoRunningApps', `No app server of architecture ${ctx.arch.id} is running, and fleet never writes an empty upstream.`, {
      nextSteps: [`Start them: fleet up --arch ${ctx.arch.id}.`, ...ctx.skipped.map((s) => `${s.account}: ${s.reason}`)],
    })
  }
  options.onStep?.('security groups')
  const securityGroups = await rulesFor(profile, ctx, instances, deps, options)
  const hold = deps.locks && !options.dryRun ? <T>(fn: () => Promise<T>) => deps.locks!.instances([ctx.lb.instance.id], fn) : <T>(fn: () => Promise<T>) => fn()
  const result = await hold(() => onLbHost(ctx, deps, options))
  result.securityGroups = securityGroups
  const failed = securityGroups.filter((g) => !g.ok)
  if (!result.error && failed.length > 0) {
    result.error = {code: 'SecurityGroupsFailed', message: failed.map((g) => `${g.account}: ${g.error?.message}`).join('\n')}
  }
  return result
}

async function onLbHost(ctx: UpstreamContext, deps: SyncDeps, options: SyncOptions): Promise<SyncResult> {
  options.onStep?.(`connecting to ${ctx.lb.account}`)
  const connectOptions = {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey, retryForMs: options.sshRetryMs ?? 0}
  const first = await connect(ctx.lb.target, connectOptions)
  // A connection lost mid-edit is reopened to put the files back.
  const host = {shell: first, reopen: () => connect(ctx.lb.target, {...connectOptions, retryForMs: 10_000})}
  try {
    const onHost = await syncOnHost(host, deps.state, {
      nginx: ctx.nginx,
      settings: ctx.arch.nginx,
      servers: ctx.servers,
      healthPath: ctx.healthPath,
      healthWaitMs: options.healthWaitMs,
      dryRun: options.dryRun,
      cancel: options.cancel ?? uninterruptible,
      onStep: options.onStep,
    })
    const {instance} = ctx.lb
    return {
      ...onHost,
      arch: ctx.arch.id,
      lb: {account: ctx.lb.account, instanceId: instance.id, publicIp: instance.publicIp, privateIp: instance.privateIp},
      skipped: ctx.skipped,
      securityGroups: [],
    }
  } finally {
    await first.dispose()
    if (host.shell !== first) await host.shell.dispose()
  }
}

/** A failure of the groups is reported, and the sync goes on. */
async function rulesFor(profile: Profile, ctx: UpstreamContext, instances: FleetInstances, deps: SyncDeps, options: SyncOptions): Promise<FollowIpsResult[]> {
  const sgDeps = {provider: deps.provider, concurrency: options.concurrency, dryRun: options.dryRun}
  try {
    const db = await readDb(profile, deps.provider)
    const dbRules = db ? {...db, public: db.instance.PubliclyAccessible ?? false} : null
    return await syncFleetRules(profile, sgDeps, {instances, ports: ctx.ports, lbIp: ctx.lbIp, db: dbRules})
  } catch (error) {
    const info = toErrorInfo(error)
    return [{account: ctx.lb.account, ok: false, error: info, dryRun: options.dryRun, authorized: [], revoked: [], groups: [], warnings: []}]
  }
}
