import {FleetCommand} from '../src/cli/base-command.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {exitCodeOf} from '../src/errors.js'
import {progress} from '../src/output/progress.js'
import {renderStatus} from '../src/status/render.js'
import {fleetStatus, type StatusResult} from '../src/status/status.js'

export default class Status extends FleetCommand {
  static override summary = 'Show every account’s instance, its free-tier hours, and what costs money outside the fleet.'
  static override description = `Works every account in parallel (--concurrency). An account whose role cannot be assumed, or whose selector matches no instance or several, is reported with its error while the others are shown; the exit code is then 3.

Free hours are estimated without Cost Explorer, from the run sessions fleet has seen this UTC month.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile honors --json',
    '<%= config.bin %> <%= command.id %> --profile ./profiles/example.yaml --concurrency 4',
  ]

  async run(): Promise<StatusResult> {
    const {flags} = await this.parse(Status)
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const bar = progress('Reading accounts', profile.accounts.length)
    const result = await fleetStatus(profile, {provider, state, concurrency: flags.concurrency, onAccountDone: (n) => bar.tick(n)})
    bar.done()
    if (!this.jsonEnabled()) this.log(renderStatus(result))
    this.setExitCode(exitCodeOf(result.accounts.map((a) => a.error)))
    return result
  }
}
