/** The JSON of the commands that report: cost, logs, doctor. */
import {arrayOf, bool, boolOrNull, commandSchema, described, error, int, mapOf, nullable, num, numOrNull, object, oneOfValues, str, strOrNull} from './dsl.js'

const COST_GROUPS = ['ec2-hours', 'public-ipv4', 'regional-transfer', 'internet-egress', 'rds', 'other']

const usageLine = object(
  {group: oneOfValues(...COST_GROUPS), usageType: str, usd: num, quantity: num, unit: strOrNull},
  {recordType: described('Cost Explorer\'s RECORD_TYPE: Usage, Credit, Tax, ...', str), region: strOrNull},
)

const costAccount = object(
  {
    name: str,
    ok: bool,
    error,
    totalUsd: described('month to date, credits excluded; null when the account failed', numOrNull),
    projectedUsd: described('month to date ÷ hours elapsed × hours in the month', numOrNull),
    byUsageType: arrayOf(usageLine),
    creditsUsd: numOrNull,
    netUsd: numOrNull,
    byGroup: nullable(mapOf(num)),
    freeTier: nullable(object({plan: oneOfValues('750-hours', 'credits'), hoursUsed: num, hoursAllowed: numOrNull, hoursLeft: numOrNull})),
    estimated: boolOrNull,
  },
  {fromCache: bool, fetchedAt: strOrNull},
)

/** `--watch --json`: each line is the cost document plus the refresh's traffic. */
const traffic = object({
  at: str,
  label: str,
  accounts: arrayOf(object({name: str, ok: bool, error, instanceId: strOrNull, traffic: nullable({type: 'object'})})),
  bytesIn: num,
  bytesOut: num,
  gb: num,
  usd: num,
  metricsRequested: int,
  metricsRequestedTotal: int,
})

export const cost = commandSchema(
  'cost',
  'Per account, the UTC month to date by usage type and its projection (spec section 5). With --watch, one such document per line per refresh, with `traffic`.',
  object(
    {
      month: described('YYYY-MM, UTC', str),
      accounts: arrayOf(costAccount),
      ceRequests: described('billable Cost Explorer requests this run made', int),
      fromCache: bool,
    },
    {
      failOver: object({limitUsd: num, over: arrayOf(object({name: str, totalUsd: num}))}),
      traffic,
    },
  ),
)

const source = oneOfValues('app', 'nginx')

export const logs = commandSchema(
  'logs',
  'The lines read from every app server (and nginx with --lb), and each source\'s outcome.',
  object({
    lines: arrayOf(object({account: str, source, stream: oneOfValues('stdout', 'stderr'), line: str})),
    hosts: arrayOf(object({account: str, source, instanceId: strOrNull, ok: bool, skipped: described('why it was skipped (a stopped instance)', strOrNull), error})),
  }),
)

const CHECKS = ['role', 'identity', 'instance', 'permissions', 'rds-public-access', 'ssh', 'nginx', 'app-tools']

export const doctor = commandSchema(
  'doctor',
  'Per account, each readiness check: passed (true), failed (false) or could not be made (null).',
  object({
    profile: str,
    accounts: arrayOf(
      object({
        name: str,
        accountId: str,
        region: str,
        ok: bool,
        checks: arrayOf(object({name: oneOfValues(...CHECKS), ok: boolOrNull, detail: str})),
      }),
    ),
  }),
)
