/** Parts that several commands' JSON share: plans, security groups, the upstream sync, RDS public access. */
import {arrayOf, bool, boolOrNull, described, error, int, intOrNull, nullable, num, numOrNull, object, oneOfValues, type Schema, str, strings, strOrNull} from './dsl.js'

export const planStep = oneOfValues('wait-running', 'wait-status-ok', 'wait-stopped', 'stop', 'modify-type', 'start')

const instanceSide = object({state: strOrNull, type: strOrNull})

/** One line of a plan (spec section 5: account, action, from, to). */
export const plannedChange = object(
  {
    account: str,
    action: described('resize whenever the type differs, whatever the state', oneOfValues('start', 'stop', 'resize', 'none')),
    from: instanceSide,
    to: instanceSide,
    steps: described('what the run does, in order', arrayOf(planStep)),
  },
  {note: described('why nothing is done where something would be expected', str)},
)

/** What `up`/`down` did per account (spec section 5: account, ok, error). */
export const accountResult = object(
  {account: str, ok: bool, error, done: described('the steps that completed', arrayOf(planStep))},
  {revertedTo: described('the type set back after a failed resize', str)},
)

/** The security-group rules that follow the IPs, for one account. */
export const followIpsResult = object({
  account: str,
  ok: bool,
  error,
  dryRun: bool,
  authorized: strings,
  revoked: strings,
  groups: arrayOf(object({groupId: str, authorized: strings, revoked: strings, untouched: int})),
  warnings: strings,
})

/** `upstream sync` (spec section 5: servers, changed, diff, reloaded, rolledBack). */
export const upstreamSyncResult = object({
  servers: described('ip:port, in the architecture\'s order', strings),
  changed: bool,
  diff: described('unified diff of the files fleet changed (or would change)', str),
  reloaded: bool,
  rolledBack: bool,
  arch: str,
  lb: object({account: str, instanceId: str, publicIp: strOrNull, privateIp: strOrNull}),
  skipped: arrayOf(object({account: str, reason: str})),
  warnings: strings,
  health: described('null when apps.health is not set', nullable(arrayOf(object({server: str, ok: bool, status: intOrNull})))),
  securityGroups: arrayOf(followIpsResult),
  error,
})

const dbUrlMode = oneOfValues('public', 'private', 'shared', 'other', 'missing', null)

/** One app server of `rds-public` (spec section 5: account, dbUrlMode, restarted, ok, error). */
const rdsServer = object({
  account: str,
  dbUrlMode: described('the spec\'s public|private|shared, and other (neither URL) or missing (no active key line); null when not read', dbUrlMode),
  restarted: bool,
  ok: bool,
  error,
  instanceId: strOrNull,
  before: dbUrlMode,
  outcome: oneOfValues('skipped', 'unchanged', 'switched', 'restarted', 'failed', 'restored', 'unknown'),
  diff: described('the .env diff: the rds.key lines with any URL password masked, every other value as ****', str),
  pending: bool,
  warnings: strings,
})

/** `rds-public on|off|status` (spec section 5: publiclyAccessible, endpoint, port, servers). */
export const rdsPublicResult = object({
  publiclyAccessible: bool,
  endpoint: strOrNull,
  port: intOrNull,
  servers: arrayOf(rdsServer),
  action: oneOfValues('on', 'off', 'status'),
  dryRun: bool,
  db: object({account: str, identifier: str, status: strOrNull, vpcId: strOrNull, securityGroup: strOrNull, internetGateway: boolOrNull}),
  flagChange: nullable(object({from: bool, to: bool, applied: bool})),
  rules: described('fleet\'s rules in the DB\'s group, e.g. tcp/3306 from 1.2.3.4/32', strings),
  securityGroup: nullable(followIpsResult),
  shared: bool,
  ipv4: object({hourlyUsd: num, billedNow: bool, month: str, hoursLeftInMonth: num, restOfMonthUsd: num, fullMonthUsd: num}),
  appsRestarted: bool,
  converged: bool,
  warnings: strings,
  error: described('the AWS step\'s failure (the flag, the wait, the rules)', error),
})

/** Something that still costs money, with its hourly price where fleet knows it. */
export function costly(kinds: string[], more: Record<string, Schema> = {}): Schema {
  return object({...more, kind: oneOfValues(...kinds), id: str, detail: str, hourlyUsd: numOrNull})
}
