import {FleetCommand} from '../../src/cli/base-command.js'
import {renderTable} from '../../src/output/table.js'
import {archHead, archRow} from '../../src/profile/arch-format.js'
import {type ArchitectureView, listArchitectures} from '../../src/profile/architecture.js'
import {loadProfile, requireSection} from '../../src/profile/load.js'

export interface ArchListResult {
  profile: string
  architectures: ArchitectureView[]
}

export default class ArchList extends FleetCommand {
  static override summary = 'List the architectures a profile defines.'

  static override description = `One line per architecture, in the order of the profile: the load balancer's instance type, the app servers and their ports, the nginx settings it applies (the rest stay as fleet found them), whether RDS public access is on, and its description. Reads the profile only: nothing is called.`

  static override examples = [
    {description: 'The architectures of the default profile.', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Of the story\'s example fleet, as JSON.', command: '<%= config.bin %> <%= command.id %> --profile profiles/example.yaml --json'},
  ]

  async run(): Promise<ArchListResult> {
    const {flags} = await this.parse(ArchList)
    const profile = await loadProfile(flags.profile)
    requireSection(profile, 'architectures', 'fleet arch list')
    const architectures = listArchitectures(profile)
    if (!this.jsonEnabled()) this.log(renderTable(archHead, architectures.map(archRow)))
    return {profile: profile.name, architectures}
  }
}
