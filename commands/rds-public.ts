import {Args, Flags} from '@oclif/core'

import {MutatingCommand} from '../src/cli/base-command.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {exitCodeOf} from '../src/errors.js'
import {rdsPublic} from '../src/rds/public.js'
import {renderRdsPublic} from '../src/rds/render.js'
import type {RdsPublicResult} from '../src/rds/types.js'
import {parseDuration} from '../src/util/duration.js'

export default class RdsPublic extends MutatingCommand {
  static override summary = 'Turn RDS public access on or off together with every app server’s DB_URL, or show where it stands.'
  static override description = `on: checks that the DB's VPC has an internet gateway, sets PubliclyAccessible and waits until AWS shows it applied and the DB is available, admits the app servers' public IPs (/32, DB port) in the DB's security group, then points each running app server's .env at rds.public and runs apps.restart.
off: the reverse order: each .env to rds.private and apps.restart first, then the flag off, the same wait, and fleet's rules revoked. App servers in other accounts than the database's cannot reach a private endpoint.
status: the flag, the endpoint, what its public IPv4 costs, fleet's rules in the DB's group, and which URL each app server's .env holds (public, private, shared or other).

Only what differs is changed: a .env already right is neither edited nor restarted. Each edit keeps every other byte, the mode and the owner, and a backup; a failed restart puts the old .env back and restarts again. When rds.public and rds.private render the same, no .env is edited and the apps restart once the flag has changed. Passwords are masked everywhere.`
  static override examples = [
    {description: 'Open the database for a test run.', command: '<%= config.bin %> <%= command.id %> on'},
    {description: 'See the AWS change, the rules and each .env diff (masked) without changing anything.', command: '<%= config.bin %> <%= command.id %> off --dry-run'},
    {description: 'Where it stands, for a script.', command: '<%= config.bin %> <%= command.id %> status --profile honors --json'},
    {description: 'Replace a DB_URL that holds neither URL.', command: '<%= config.bin %> <%= command.id %> on --arch 6 --force'},
  ]
  static override args = {
    action: Args.string({description: 'on, off or status.', required: true, options: ['on', 'off', 'status']}),
  }
  static override flags = {
    arch: Flags.string({summary: 'Whose app servers (default: the architecture `fleet up` applied last).'}),
    force: Flags.boolean({summary: 'Replace a DB_URL that is neither rds.public nor rds.private.'}),
    'wait-timeout': Flags.string({summary: 'How long to wait for AWS to apply the change.', default: '20m'}),
    'accept-new-host-key': Flags.boolean({summary: 'Accept a changed SSH host key of an app server (it was rebuilt on purpose).'}),
  }

  async run(): Promise<RdsPublicResult> {
    const {args, flags} = await this.parse(RdsPublic)
    const action = args.action as 'on' | 'off' | 'status'
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], '--wait-timeout')
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const dryRun = flags['dry-run'] || action === 'status'
    const title = action === 'status' ? 'Reading RDS public access' : `Turning RDS public access ${action}`
    const failed = (r: RdsPublicResult) => r.error !== null || r.servers.some((s) => !s.ok)
    const result = await this.mutate<RdsPublicResult>({profile: profile.name, title, dryRun, failed}, (run) =>
      rdsPublic(profile, {provider, state, locks: run.locks}, {
        action,
        archId: flags.arch,
        force: flags.force,
        dryRun: flags['dry-run'] === true,
        concurrency: flags.concurrency,
        waitTimeoutMs,
        acceptNewHostKey: flags['accept-new-host-key'],
        cancel: run.cancel,
        onStep: run.step,
      }),
    )
    if (!this.jsonEnabled()) this.log(renderRdsPublic(result))
    this.setExitCode(exitCodeOf([result.error, ...result.servers.map((s) => s.error)]))
    return result
  }
}
