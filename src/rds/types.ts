import type {DbUrlMode} from '../envfile/index.js'
import type {ErrorInfo} from '../errors.js'
import type {FollowIpsResult} from '../network/follow-ips.js'

export type RdsAction = 'on' | 'off' | 'status'

/**
 * What happened on one app server (in a dry run: what would happen).
 * - `skipped`: its instance is not running; nothing was tried.
 * - `unchanged`: its `.env` already held the wanted URL; not restarted.
 * - `switched`: its `.env` was edited and the app restarted on it.
 * - `restarted`: restarted without an edit (shared mode after the flag
 *   changed, or an earlier run was cut short before its restart).
 * - `failed`: nothing was written (unreachable, a file fleet will not edit).
 * - `restored`: the edit or restart failed; the old `.env` is back and the
 *   app was restarted on it.
 * - `unknown`: the old `.env` or the app could not be put back: look at it.
 */
export type ServerOutcome = 'skipped' | 'unchanged' | 'switched' | 'restarted' | 'failed' | 'restored' | 'unknown'

/** One app server in `rds-public`'s JSON (spec section 5, plus fields of fleet's own). */
export interface RdsServerResult {
  account: string
  instanceId: string | null
  /**
   * Which URL its `.env` holds after the run (`status`: now): `public`,
   * `private`, `shared` (both templates render the same), `other` (neither),
   * `missing` (no active key line); null when it was not read.
   */
  dbUrlMode: DbUrlMode | null
  /** What it held before the run; null when it was not read. */
  before: DbUrlMode | null
  /** True when apps.restart ran to success on it (after an edit, or after putting the old `.env` back). */
  restarted: boolean
  outcome: ServerOutcome
  /** The `.env` diff: the key's lines with URL passwords masked, every other value `****`; '' when nothing changes. */
  diff: string
  /** An earlier run was cut short between writing this `.env` and restarting the app. */
  pending: boolean
  warnings: string[]
  ok: boolean
  error: ErrorInfo | null
}

/** Public IPv4 on the DB is billed by the hour, in use or idle, and never covered by the free tier. */
export interface Ipv4Cost {
  hourlyUsd: number
  /** True while the DB is publicly accessible (the address is billed). */
  billedNow: boolean
  /** `YYYY-MM`, UTC. */
  month: string
  hoursLeftInMonth: number
  /** What staying public costs from now to the month's end. */
  restOfMonthUsd: number
  /** What a whole month public costs. */
  fullMonthUsd: number
}

/** `fleet rds-public on|off|status` (spec section 5: publiclyAccessible, endpoint, port, servers). */
export interface RdsPublicResult {
  action: RdsAction
  dryRun: boolean
  /** As DescribeDBInstances shows it at the end of the run (a dry run changes nothing). */
  publiclyAccessible: boolean
  endpoint: string | null
  port: number | null
  servers: RdsServerResult[]
  db: {
    account: string
    identifier: string
    status: string | null
    vpcId: string | null
    /** The DB's security group fleet adds its rules to (its first active VPC group). */
    securityGroup: string | null
    /** true/false when fleet looked (`on` and `status`); null when it did not or could not tell. */
    internetGateway: boolean | null
  }
  /** The AWS change: null when the flag was (or would be) left as it is. */
  flagChange: {from: boolean; to: boolean; applied: boolean} | null
  /** The fleet-made rules (marked `fleet:<profile>`) in the DB's group, as `tcp/3306 from 1.2.3.4/32`, after the run. */
  rules: string[]
  /** What was done to the DB's group (null for `status`, or when the run stopped before it). */
  securityGroup: FollowIpsResult | null
  /** Both templates render the same: no `.env` is edited; apps restart when the flag changed. */
  shared: boolean
  ipv4: Ipv4Cost
  /** True when any app was restarted: `fleet up` then waits for the apps' health check. */
  appsRestarted: boolean
  /** True when nothing was (or, in a dry run, would be) changed. */
  converged: boolean
  warnings: string[]
  /** The AWS step's failure (the flag, the wait, the rules); per-server failures are on each server. */
  error: ErrorInfo | null
}
