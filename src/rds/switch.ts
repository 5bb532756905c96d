import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, InterruptedError, toErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import {syncFleetRules} from '../network/fleet-rules.js'
import type {Profile} from '../profile/load.js'
import type {StateStore} from '../state/json-store.js'
import type {Locks} from '../state/locks.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import {type EnvJob, switchOnHost} from './app-env.js'
import {initialResult, type RdsContext, rdsContext, requireRestart, wantedDbRules} from './context.js'
import {assertReachableFromOutside} from './gateway.js'
import {onAppServers} from './servers.js'
import type {RdsPublicResult, RdsServerResult} from './types.js'
import {DEFAULT_DB_WAIT_MS, waitForPublicAccess} from './wait.js'

export interface RdsPublicDeps {
  provider: AwsProvider
  state: StateStore
  /**
   * Takes each app server's instance lock around its `.env` edit and
   * restart. Leave it out when the caller already holds those locks (they
   * are not re-entrant) or for a dry run.
   */
  locks?: Locks
}

export interface SwitchOptions {
  want: 'on' | 'off'
  /** Whose app servers: this architecture (default: the one `up` applied last; with neither, every account but nginx.on's). */
  archId?: string
  /** The instances as the caller read them, current (after any start): accounts missing from it are read. */
  instances?: FleetInstances
  dryRun: boolean
  /** Replace a `DB_URL` that is neither URL (`--force`). */
  force?: boolean
  /** Accounts and hosts in flight at once (default 32). */
  concurrency?: number
  /** How long to wait for AWS to apply the flag (default 20 min). */
  waitTimeoutMs?: number
  acceptNewHostKey?: boolean
  /** Keep retrying SSH this long while a just-started app server boots. */
  sshRetryMs?: number
  cancel?: Cancel
  onStep?: (label: string) => void
}

/**
 * Turns the profile's RDS public access on or off together with every
 * running app server's `DB_URL`, in the safe order, and returns the
 * `rds-public` result (spec section 5). `fleet rds-public on|off`, and
 * `fleet up` (step 3) and `fleet down`, call this.
 *
 * - on: refuse (throw, exit 3) before any change when the DB's VPC has no
 *   internet gateway; set the flag, wait until DescribeDBInstances shows it
 *   AND `available`; admit the app servers' public IPs (/32, DB port) in the
 *   DB's group; then switch each `.env` not already right to `rds.public`
 *   and run apps.restart.
 * - off: switch each `.env` to `rds.private` and restart first; then the
 *   flag off, the same wait, and fleet's DB rules revoked. A server that
 *   could not be switched is named in `warnings`; the flag still goes off.
 * - shared (both templates render the same): no `.env` edit; apps restart
 *   once the flag has changed, and only then.
 *
 * Only what differs is changed: a converged run makes read calls only.
 * Throws (nothing changed) for a missing `rds`/`apps.restart` (exit 2), a DB
 * that does not exist or a template that cannot be rendered now (exit 3),
 * and an interrupt (exit 130; a re-run converges). Everything else is in the
 * result: `error` for the AWS step (when set on `on`, no `.env` was
 * touched), and `ok`/`error` per server (the others are still done).
 * `appsRestarted` tells whether any app was restarted: a caller checking the
 * apps' health should then allow a Spring Boot app 180 s or more to come back.
 */
export async function switchRdsPublic(profile: Profile, deps: RdsPublicDeps, options: SwitchOptions): Promise<RdsPublicResult> {
  const cancel = options.cancel ?? uninterruptible
  const step = stepper(options.onStep, cancel)
  step('reading the DB and the instances')
  const ctx = await rdsContext(profile, deps, {archId: options.archId, instances: options.instances, concurrency: options.concurrency ?? 32, command: `fleet rds-public ${options.want}`})
  if (ctx.urlError) throw ctx.urlError
  const run: Run = {ctx, deps, options, cancel, step, restart: requireRestart(profile), result: initialResult(ctx, options.want, options.dryRun), profile}
  if (options.want === 'on') await turnOn(run)
  else await turnOff(run)
  const r = run.result
  r.appsRestarted = r.servers.some((s) => s.restarted)
  r.converged = r.flagChange === null && !r.securityGroup?.authorized.length && !r.securityGroup?.revoked.length && r.servers.every((s) => s.outcome === 'unchanged' || s.outcome === 'skipped')
  return r
}

interface Run {
  profile: Profile
  ctx: RdsContext
  deps: RdsPublicDeps
  options: SwitchOptions
  cancel: Cancel
  step: (label: string) => void
  restart: string
  result: RdsPublicResult
}

async function turnOn(run: Run): Promise<void> {
  const {ctx, result} = run
  run.step(`checking that ${ctx.rds.instance}'s VPC has an internet gateway`)
  result.db.internetGateway = await assertReachableFromOutside(run.deps.provider, ctx, result.warnings)
  const flagChanged = await setFlag(run, true)
  if (result.error) return
  if (!(await dbRules(run, true))) return
  await switchServers(run, 'public', ctx.shared && flagChanged)
}

async function turnOff(run: Run): Promise<void> {
  const {ctx, result} = run
  const elsewhere = ctx.apps.filter((name) => name !== ctx.account.name && ctx.instances.get(name)?.instance?.state === 'running')
  if (elsewhere.length > 0) {
    result.warnings.push(
      `${elsewhere.join(', ')} ${elsewhere.length > 1 ? 'are' : 'is'} in another account than the database's (${ctx.account.name}) and cannot reach a private endpoint there (unless the VPCs are peered): ${elsewhere.length > 1 ? 'they are' : 'it is'} left on the private URL and will fail to reach the database until \`fleet rds-public on\`.`,
    )
  }
  if (!ctx.shared) {
    await switchServers(run, 'private', false)
    for (const s of result.servers.filter((x) => !x.ok)) {
      result.warnings.push(`${s.account} could not be switched to the private URL: it still points at the public endpoint and will fail once public access is off.`)
    }
    if (run.cancel.signal.aborted) throw interrupted(result, 'public access was left on')
  }
  const flagChanged = await setFlag(run, false)
  if (result.error) return
  await dbRules(run, false)
  if (ctx.shared) await switchServers(run, 'private', flagChanged)
}

/** Sets the flag when it differs and waits until AWS shows it applied; returns whether it changed. Failures go to `result.error`. */
async function setFlag(run: Run, want: boolean): Promise<boolean> {
  const {ctx, result, options} = run
  const from = ctx.db.PubliclyAccessible ?? false
  const change = from !== want
  const unsettled = ctx.db.DBInstanceStatus === 'modifying'
  if (change) result.flagChange = {from, to: want, applied: false}
  if (options.dryRun || (!change && !unsettled)) return change
  try {
    const rds = await (await run.deps.provider.forAccount(ctx.account)).rds()
    if (change) {
      run.step(`turning public access ${want ? 'on' : 'off'} for ${ctx.rds.instance}`)
      await rds.setPubliclyAccessible(ctx.rds.instance, want)
    }
    const wait = {want, timeoutMs: options.waitTimeoutMs ?? DEFAULT_DB_WAIT_MS, cancel: run.cancel, onStep: options.onStep}
    ctx.db = await waitForPublicAccess(ctx.rds.instance, () => rds.describeDbInstance(ctx.rds.instance), wait)
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    result.error = toErrorInfo(error)
    return change
  }
  if (result.flagChange) result.flagChange.applied = true
  Object.assign(result, {publiclyAccessible: want, ipv4: {...result.ipv4, billedNow: want}})
  result.db.status = ctx.db.DBInstanceStatus ?? null
  return change
}

/** The DB's group follows the flag: the app servers' public IPs while on, none of fleet's rules while off. */
async function dbRules(run: Run, open: boolean): Promise<boolean> {
  const {ctx, result, options} = run
  run.step(open ? `admitting the app servers in ${ctx.rds.instance}'s security group` : `revoking fleet's rules from ${ctx.rds.instance}'s security group`)
  // Any port marks an account as an app server; with lbIp null the app groups are left alone.
  const ports = new Map(ctx.apps.map((name) => [name, [run.profile.data.apps?.port ?? 8080]] as const))
  const deps = {provider: run.deps.provider, concurrency: options.concurrency ?? 32, dryRun: options.dryRun}
  let outcome
  try {
    ;[outcome] = await syncFleetRules(run.profile, deps, {instances: ctx.instances, ports, lbIp: null, db: {account: ctx.account, instance: ctx.db, public: open}})
  } catch (error) {
    result.error = toErrorInfo(error)
    return false
  }
  result.securityGroup = outcome ?? null
  result.rules = wantedDbRules(ctx, open)
  if (outcome && !outcome.ok) {
    result.error = {code: 'SecurityGroupFailed', message: `${ctx.rds.instance}'s security group: ${outcome.error?.message}`, ...errorClass(outcome.error)}
    return false
  }
  if (outcome) result.warnings.push(...outcome.warnings)
  if (open) {
    const unseen = ctx.apps.filter((name) => ctx.instances.get(name)?.instance?.state === 'running' && !ctx.instances.get(name)?.instance?.publicIp)
    if (unseen.length > 0) result.warnings.push(`${unseen.join(', ')} ${unseen.length > 1 ? 'have' : 'has'} no public IP: the DB's group cannot admit ${unseen.length > 1 ? 'them' : 'it'} by address.`)
  }
  return true
}

async function switchServers(run: Run, want: 'public' | 'private', restartAnyway: boolean): Promise<void> {
  const {ctx, options} = run
  run.step(ctx.shared ? (restartAnyway ? 'restarting the apps' : 'checking the apps’ .env') : `pointing the app servers at the ${want} URL`)
  const job: EnvJob = {
    envFile: ctx.rds.envFile,
    key: ctx.rds.key,
    urls: ctx.urls!,
    want,
    force: options.force ?? false,
    restart: run.restart,
    restartAnyway,
    dryRun: options.dryRun,
  }
  const servers = await onAppServers(
    run.profile,
    {names: ctx.apps, instances: ctx.instances, concurrency: options.concurrency ?? 32, acceptNewHostKey: options.acceptNewHostKey, sshRetryMs: options.sshRetryMs, locks: options.dryRun ? undefined : run.deps.locks},
    (host) => switchOnHost(host, job, run.cancel),
  )
  run.result.servers = servers
  if (run.cancel.signal.aborted) throw interrupted(run.result, want === 'public' ? 'public access is on' : 'the flag was not changed yet')
}

function errorClass(error: ErrorInfo | null | undefined): Pick<ErrorInfo, 'exitCode' | 'nextSteps'> {
  return {...(error?.exitCode === undefined ? {} : {exitCode: error.exitCode}), ...(error?.nextSteps ? {nextSteps: error.nextSteps} : {})}
}

function interrupted(result: RdsPublicResult, state: string): InterruptedError {
  const done = result.servers.filter((s: RdsServerResult) => s.outcome === 'switched' || s.outcome === 'restarted').map((s) => s.account)
  return new InterruptedError('Interrupted', `Interrupted: ${done.length > 0 ? `${done.join(', ')} switched; ` : ''}${state}. A re-run converges.`)
}

/** Reports a step, first stopping if Ctrl-C came: steps are the safe places to stop. */
function stepper(onStep: ((label: string) => void) | undefined, cancel: Cancel): (label: string) => void {
  return (label) => {
    if (cancel.signal.aborted) throw new InterruptedError('Interrupted', 'Interrupted before the next step; a re-run converges.')
    onStep?.(label)
  }
}
