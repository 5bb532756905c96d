import type {DBInstance} from '@aws-sdk/client-rds'

import type {AwsProvider} from '../aws/provider.js'
import {ipv4MonthCost} from '../cost/ipv4.js'
import type {DbUrls} from '../envfile/index.js'
import {type FleetError, toErrorInfo, UsageError} from '../errors.js'
import {type FleetInstances, readInstances} from '../fleet/read-instances.js'
import {appServersOf} from '../fleet/targets.js'
import {describeWanted, hostCidr} from '../network/rules.js'
import {dbGroupOf} from '../network/wanted.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import type {RdsConfig} from '../profile/schema.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import {endpointOf, requireDb} from './db.js'
import type {RdsAction, RdsPublicResult} from './types.js'
import {renderUrls, templateAccounts} from './urls.js'

/** Everything `rds-public` reads before it changes anything. */
export interface RdsContext {
  rds: RdsConfig
  /** The DB's account (rds.account). */
  account: ResolvedAccount
  db: DBInstance
  /** The app servers' account names (spec section 4, "App servers"). */
  apps: string[]
  instances: FleetInstances
  /** Both templates rendered; null when one cannot be (urlError says why). */
  urls: DbUrls | null
  urlError: FleetError | null
  shared: boolean
}

export interface ContextOptions {
  archId?: string
  /** The instances the caller already read; accounts missing from it are read now. */
  instances?: FleetInstances
  concurrency: number
  command: string
}

/**
 * Reads the DB (a missing one is an error naming it), works out the app
 * servers, reads the instances it still lacks (the app servers', and those
 * the templates name), and renders both URLs.
 */
export async function rdsContext(profile: Profile, deps: {provider: AwsProvider; state: StateStore}, options: ContextOptions): Promise<RdsContext> {
  const {rds, account, instance: db} = await requireDb(profile, deps.provider, options.command)
  const apps = appServersOf(profile, options.archId, await lastAppliedArch(deps.state))
  const wanted = [...new Set([...apps, ...templateAccounts(rds)])]
  const given = options.instances ?? new Map()
  const missing = wanted.filter((name) => !given.has(name))
  const read = missing.length > 0 ? await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency}, missing) : new Map()
  const instances: FleetInstances = new Map([...given, ...read])
  const rendered = renderUrls(profile, rds, db, instances)
  const urls = rendered.ok ? rendered.urls : null
  return {rds, account, db, apps, instances, urls, urlError: rendered.ok ? null : rendered.error, shared: urls !== null && urls.public === urls.private}
}

/** apps.restart, which every `.env` switch needs: without it, the command refuses before changing anything. */
export function requireRestart(profile: Profile): string {
  const restart = profile.data.apps?.restart
  if (restart) return restart
  throw new UsageError('MissingRestart', `Profile \`${profile.name}\` has no apps.restart: \`fleet rds-public\` restarts each app after switching its ${profile.data.rds?.key ?? 'DB_URL'}.`, {
    nextSteps: [`Add apps.restart to ${profile.file}, e.g. \`docker compose -f /home/ec2-user/app/compose.yml up -d --force-recreate\`.`],
  })
}

/** The rules fleet keeps in the DB's group while it is public: each running app server's public IP on the DB port. */
export function wantedDbRules(ctx: RdsContext, open: boolean): string[] {
  const port = endpointOf(ctx.db).port
  if (!open || port === null) return []
  return ctx.apps.flatMap((name) => {
    const view = ctx.instances.get(name)?.instance
    return view?.state === 'running' && view.publicIp ? [describeWanted({cidr: hostCidr(view.publicIp), port})] : []
  })
}

/** The result before anything is done: the DB as read, no server touched yet. */
export function initialResult(ctx: RdsContext, action: RdsAction, dryRun: boolean, now = new Date()): RdsPublicResult {
  const open = ctx.db.PubliclyAccessible ?? false
  return {
    action,
    dryRun,
    publiclyAccessible: open,
    ...endpointOf(ctx.db),
    servers: [],
    db: {
      account: ctx.account.name,
      identifier: ctx.rds.instance,
      status: ctx.db.DBInstanceStatus ?? null,
      vpcId: ctx.db.DBSubnetGroup?.VpcId ?? null,
      securityGroup: dbGroupOf(ctx.db),
      internetGateway: null,
    },
    flagChange: null,
    rules: [],
    securityGroup: null,
    shared: ctx.shared,
    ipv4: ipv4MonthCost(open, now),
    appsRestarted: false,
    converged: true,
    warnings: ctx.urlError ? [toErrorInfo(ctx.urlError).message] : [],
    error: null,
  }
}
