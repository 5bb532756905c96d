/**
 * What `fleet logs` reads: which accounts, which command on each. Pure: the
 * profile and the app servers in, the list of log sources out.
 */
import {UsageError} from '../errors.js'
import {type Profile, requireSection} from '../profile/load.js'
import {canFollow, renderLogsCommand} from './template.js'

export type LogSourceKind = 'app' | 'nginx'

export interface LogSource {
  account: string
  kind: LogSourceKind
  /** The prefix of its lines: the account name (`lb/nginx` when that account also shows app logs). */
  label: string
  /** The remote command line, placeholders filled in. */
  command: string
}

export interface SourceRequest {
  /** Accounts named on the command line; empty: every app server. */
  names: string[]
  /** `--lb`: nginx's logs too. */
  lb: boolean
  /** The app servers (src/fleet/targets.ts appServersOf). */
  appServers: string[]
  since: string
  follow: boolean
}

export interface SourcePlan {
  sources: LogSource[]
  /** For stderr, e.g. a template that cannot follow. */
  warnings: string[]
}

const COMMAND = 'fleet logs'

/**
 * Named accounts get the app logs, except `nginx.on`'s when it is not an app
 * server: naming the LB means its nginx logs (as `--lb` does).
 */
export function logSources(profile: Profile, request: SourceRequest): SourcePlan {
  const lbAccount = profile.data.nginx?.on
  const wanted: Array<{account: string; kind: LogSourceKind}> = []
  const add = (account: string, kind: LogSourceKind) => {
    if (!wanted.some((w) => w.account === account && w.kind === kind)) wanted.push({account, kind})
  }
  for (const name of request.names.length > 0 ? request.names : request.appServers) {
    const account = profile.account(name).name
    add(account, account === lbAccount && !request.appServers.includes(account) ? 'nginx' : 'app')
  }
  if (request.lb) add(requireSection(profile, 'nginx', `${COMMAND} --lb`).on, 'nginx')
  if (wanted.length === 0) {
    throw new UsageError('NoAppServers', `Profile \`${profile.name}\` has no app servers to read logs from.`, {
      nextSteps: ['Name the accounts (fleet logs NAME...), or pass --lb for nginx\'s logs.'],
    })
  }
  const templates = {app: appsLogs(profile, wanted), nginx: profile.data.nginx?.logs}
  const sources = wanted.map(({account, kind}): LogSource => {
    const both = wanted.filter((w) => w.account === account).length > 1
    return {
      account,
      kind,
      label: both && kind === 'nginx' ? `${account}/nginx` : account,
      command: renderLogsCommand(templates[kind] ?? '', {since: request.since, follow: request.follow}),
    }
  })
  return {sources, warnings: request.follow ? followWarnings(templates, wanted) : []}
}

function appsLogs(profile: Profile, wanted: Array<{kind: LogSourceKind}>): string | undefined {
  if (!wanted.some((w) => w.kind === 'app')) return undefined
  const logs = requireSection(profile, 'apps', COMMAND).logs
  if (logs === undefined) {
    throw new UsageError('MissingAppsLogs', `Profile \`${profile.name}\` has no apps.logs: fleet does not know how to read the app servers' logs.`, {
      nextSteps: [`Add e.g. \`logs: docker compose -f /home/ec2-user/app/compose.yml logs --no-color --since {since} {follow}\` under \`apps:\` in ${profile.file}.`],
    })
  }
  return logs
}

function followWarnings(templates: Record<LogSourceKind, string | undefined>, wanted: Array<{kind: LogSourceKind}>): string[] {
  const kinds = [...new Set(wanted.map((w) => w.kind))]
  return kinds
    .filter((kind) => !canFollow(templates[kind] ?? ''))
    .map((kind) => `${kind === 'app' ? 'apps.logs' : 'nginx.logs'} has no {follow}: --follow cannot make it follow, it shows what it prints and ends.`)
}
