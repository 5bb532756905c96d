import {Args, Flags} from '@oclif/core'

import {FleetCommand} from '../src/cli/base-command.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {exitCodeOf, UsageError} from '../src/errors.js'
import {readLogs} from '../src/logs/logs.js'
import {planLogs} from '../src/logs/plan.js'
import {type HostJson, hostJson, hostProblem, lineFormatter, type LogLineJson, wantsColor} from '../src/logs/render.js'
import {KnownHosts} from '../src/remote/index.js'

export interface LogsResult {
  lines: LogLineJson[]
  hosts: HostJson[]
}

export default class Logs extends FleetCommand {
  static override summary = 'Show every app server’s logs (and nginx’s with --lb) in one stream, each line prefixed with its account.'

  static override description = `Runs the profile's apps.logs command on every running app server (those of the architecture last applied or of --arch; with neither, every account but nginx.on's), or on the accounts named, and nginx.logs on the LB host with --lb. In the commands, {since} becomes the --since value and {follow} becomes -f with --follow (docker logs, docker compose logs, tail and journalctl all take -f), and nothing without it.

Lines are printed as they arrive, whole, prefixed with the account name. A stopped instance is skipped; a host that cannot be reached, or whose command fails, is reported on stderr while the others go on, and the exit code is then 3.

With --follow the commands run on a terminal until Ctrl-C, which ends them on every host (exit 130). Host keys are pinned by instance id in $FLEET_HOME/known_hosts; a changed one is refused until you pass --accept-new-host-key or run \`fleet hosts forget\`.`

  static override examples = [
    {description: 'The last ten minutes of every app server.', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Follow app-1 and nginx, errors only.', command: '<%= config.bin %> <%= command.id %> app-1 --lb --follow --grep "ERROR|WARN"'},
    {description: 'The last hour of architecture 6, as JSON.', command: '<%= config.bin %> <%= command.id %> --arch 6 --since 1h --json'},
  ]

  static override strict = false

  static override args = {
    name: Args.string({description: 'Accounts to read (default: every app server). Naming the nginx.on account gives its nginx logs.'}),
  }

  static override flags = {
    since: Flags.string({default: '10m', summary: 'How far back: {since} in the logs commands (10m, 1h30m, 2026-05-01T10:00:00Z).'}),
    follow: Flags.boolean({char: 'f', summary: 'Keep streaming new lines until Ctrl-C.'}),
    grep: Flags.string({summary: 'Only lines matching this regular expression (JavaScript syntax).'}),
    lb: Flags.boolean({summary: 'Also show nginx’s logs from the LB host (nginx.logs).'}),
    arch: Flags.string({summary: 'Read the app servers of this architecture instead of the one last applied.'}),
    'accept-new-host-key': Flags.boolean({summary: 'Accept and pin a host key that changed since it was pinned.'}),
  }

  async run(): Promise<LogsResult> {
    const {argv, flags} = await this.parse(Logs)
    const json = this.jsonEnabled()
    if (flags.follow && json) {
      throw new UsageError('FollowJson', '--follow never ends, and --json prints one JSON document at the end: use one or the other.')
    }
    const {profile, state} = await openProfile(flags.profile)
    const plan = await planLogs(profile, {state}, {...flags, names: argv as string[]})
    for (const warning of plan.warnings) process.stderr.write(`Warning: ${warning}\n`)
    const format = lineFormatter(plan.sources.map((s) => s.label), {color: wantsColor(process.stdout)})
    const lines: LogLineJson[] = []
    const {signal} = this.cancellation()
    const deps = {provider: await openAws(profile), knownHosts: new KnownHosts(), concurrency: flags.concurrency, acceptNewHostKey: flags['accept-new-host-key'], signal}
    const outcomes = await readLogs(profile, deps, {
      ...plan,
      follow: flags.follow,
      onLine: (source, stream, line) =>
        json ? lines.push({account: source.account, source: source.kind, stream, line}) : process.stdout.write(`${format(source.label, line)}\n`),
      onHost: (outcome) => {
        const problem = hostProblem(outcome)
        if (problem) process.stderr.write(`${problem}\n`)
      },
    })
    this.setExitCode(exitCodeOf(outcomes.map((o) => o.error)))
    return {lines, hosts: outcomes.map(hostJson)}
  }
}
