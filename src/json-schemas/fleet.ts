/** The JSON of the commands that read and change the fleet: status, up, down, upstream, rds-public. */
import {arrayOf, bool, commandSchema, described, error, int, isDryRun, nullable, num, numOrNull, object, oneOfValues, str, strings, strOrNull} from './dsl.js'
import {accountResult, costly, plannedChange, rdsPublicResult, upstreamSyncResult} from './shared.js'

const instance = object({
  id: str,
  state: str,
  type: str,
  publicIp: strOrNull,
  privateIp: strOrNull,
  launchTime: strOrNull,
  autoStopAt: described('when `up --ttl` has the instance stop itself (tag fleet:auto-stop-at)', strOrNull),
  publicDns: strOrNull,
})

export const status = commandSchema(
  'status',
  'The architecture last applied and, per account, its instance, free-tier hours and what costs money outside the fleet (spec section 5).',
  object({
    profile: str,
    arch: strOrNull,
    accounts: arrayOf(
      object({
        name: str,
        accountId: str,
        region: str,
        ok: bool,
        error,
        instance: nullable(instance),
        freeTier: object({plan: oneOfValues('750-hours', 'credits'), hoursUsed: num, hoursAllowed: numOrNull}),
        extras: arrayOf(costly(['idle-elastic-ip', 'other-running-instance'])),
      }),
    ),
  }),
)

/** The spec's `up`/`down` document (section 5). */
const upDownCore = {
  arch: strOrNull,
  plan: arrayOf(plannedChange),
  results: arrayOf(accountResult),
  lbPublicIp: strOrNull,
  upstream: object({servers: described('ip:port', strings), changed: bool}),
}

const planWarning = object({kind: str, account: strOrNull, message: str}, {command: str})
const runningCost = object({account: str, type: str, region: str, free: bool, hourlyUsd: numOrNull, startedByRun: bool})

/** `--dry-run`: nothing done; the plan's upstream, cost and warnings. */
const upDryRun = object({
  dryRun: {const: true},
  upstreamPlan: object({
    before: nullable(strings),
    after: arrayOf(object({account: str, port: int, server: strOrNull})),
    entries: arrayOf(object({change: oneOfValues('stays', 'joins', 'leaves'), server: strOrNull, account: strOrNull, port: int}, {reason: str})),
    drain: strings,
    drainAccounts: strings,
    changed: {type: ['boolean', 'null']},
  }),
  cost: object({running: arrayOf(runningCost), paid: arrayOf(runningCost), hourlyUsd: num, unknownPrice: arrayOf(runningCost), freeTierHoursPerHour: num, needsAllowPaid: bool}),
  warnings: arrayOf(planWarning),
  converged: bool,
})

/** An instance's own stop (`up --ttl`; cancelled by `down --keep`). */
const autoStop = described(
  'each instance\'s own stop (`up --ttl`, or kept from before); null when none is set',
  nullable(arrayOf(object({account: str, instanceId: str, ok: bool, at: described('when it stops itself (ISO); null when none is scheduled', strOrNull), error}))),
)

const upRun = object({
  lbPublicDns: strOrNull,
  chores: described('nginx.start / apps.start on the hosts the run started', arrayOf(object({account: str, command: str, ok: bool, error}))),
  autoStop,
  lbIpHook: described('onLbIpChange, run when the LB\'s public IP changed; null when not run', nullable(object({command: str, ok: bool, error}))),
  lbIpChanged: described('the LB\'s public IP changed: DNS records pointing at it need updating', bool),
  drain: object({servers: strings, changed: bool, skipped: strOrNull, error}),
  sync: described('the final upstream sync; null when it could not run', nullable(upstreamSyncResult)),
  rds: described('step 3; null when the architecture leaves RDS public access as it is', nullable(rdsPublicResult)),
  converged: bool,
  interrupted: bool,
  warnings: strings,
})

export const up = commandSchema(
  'up',
  'The plan and what was done per account, the LB\'s public IP and the upstream (spec section 5). With --dry-run: the same fields with nothing done, plus the plan\'s upstream, cost and warnings.',
  {...object(upDownCore), if: isDryRun, then: upDryRun, else: upRun},
)

export const down = commandSchema(
  'down',
  'The plan and what was stopped per account, and what still costs money (spec section 5). With --dry-run: the same fields with nothing done.',
  {
    ...object(upDownCore, {kept: strings}),
    if: isDryRun,
    then: object({dryRun: {const: true}, kept: strings}),
    else: object({
      kept: strings,
      rds: nullable(rdsPublicResult),
      stillCosting: arrayOf(costly(['running-instance', 'idle-elastic-ip', 'rds-instance', 'rds-public-ipv4'], {account: str})),
      costErrors: arrayOf(object({account: str, error})),
      autoStop,
      interrupted: bool,
    }),
  },
)

export const upstreamSync = commandSchema('upstream sync', 'The upstream written (or, with --dry-run, the diff that would be), the reload and any rollback (spec section 5).', upstreamSyncResult)

const settings = object({servers: strings, keepalive: {type: ['integer', 'null']}, keepaliveTimeout: strOrNull})

export const upstreamShow = commandSchema(
  'upstream show',
  'The upstream on the LB host (its files and what nginx has loaded) compared with what the architecture wants.',
  object({
    arch: str,
    upstream: str,
    source: oneOfValues('upstreamFile', 'config', null),
    onHost: nullable(settings),
    loaded: nullable(settings),
    pending: bool,
    wanted: settings,
    missing: strings,
    stale: strings,
    inSync: bool,
    skipped: arrayOf(object({account: str, reason: str})),
  }),
)

export const rdsPublic = commandSchema('rds-public', 'RDS public access and every app server\'s DB_URL (spec section 5).', rdsPublicResult)
