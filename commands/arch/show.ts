import {Args} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {renderTable} from '../../src/output/table.js'
import {type DesiredAccount, desiredState} from '../../src/plan/desired.js'
import {formatApps, formatNginx, formatRdsPublic} from '../../src/profile/arch-format.js'
import {type ArchitectureView, architectureView} from '../../src/profile/architecture.js'
import {loadProfile, requireSection} from '../../src/profile/load.js'

export interface ArchShowResult {
  profile: string
  architecture: ArchitectureView
  /** Every account of the profile under this architecture. */
  desired: DesiredAccount[]
}

export default class ArchShow extends FleetCommand {
  static override summary = 'Show one architecture and the state it wants for each account.'

  static override description = `The architecture's load balancer type, app servers and ports, nginx settings and RDS public access, then what each account's instance should be under it: the nginx host and the app servers running, every other account stopped. Reads the profile only: nothing is called.`

  static override examples = [
    {description: 'Architecture 6 of the default profile.', command: '<%= config.bin %> <%= command.id %> 6'},
    {description: 'Architecture 4-1 of the example fleet, as JSON.', command: '<%= config.bin %> <%= command.id %> 4-1 --profile profiles/example.yaml --json'},
  ]

  static override args = {
    id: Args.string({description: 'Architecture id, as in `fleet arch list`.', required: true}),
  }

  async run(): Promise<ArchShowResult> {
    const {args, flags} = await this.parse(ArchShow)
    const profile = await loadProfile(flags.profile)
    requireSection(profile, 'architectures', 'fleet arch show')
    const architecture = architectureView(profile, args.id)
    const desired = desiredState(profile, args.id)
    if (!this.jsonEnabled()) this.log(render(architecture, desired))
    return {profile: profile.name, architecture, desired}
  }
}

function render(view: ArchitectureView, desired: DesiredAccount[]): string {
  const lines = [`Architecture ${view.id}${view.description ? `: ${view.description}` : ''}`, '']
  lines.push(`  LB          ${view.lb.account ?? '-'} (${view.lb.instanceType ?? 'type as is'})`)
  lines.push(`  App servers ${formatApps(view.apps)}`)
  lines.push(`  nginx       ${formatNginx(view.nginx)}`)
  lines.push(`  RDS public  ${formatRdsPublic(view.rdsPublic)}`, '')
  const rows = desired.map((d) => [d.account, d.role, d.state, d.type ?? 'as is', d.ports.join(', ') || '-'])
  lines.push(renderTable(['ACCOUNT', 'ROLE', 'STATE', 'TYPE', 'PORTS'], rows))
  return lines.join('\n')
}
