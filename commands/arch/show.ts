import {Args, Flags} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {openAws} from '../../src/cli/context.js'
import {ExitCode, type ErrorInfo} from '../../src/errors.js'
import {readInstances} from '../../src/fleet/read-instances.js'
import {type DesiredAccount, desiredState} from '../../src/plan/desired.js'
import {type PlannedChange, planChanges} from '../../src/plan/plan.js'
import {renderArchShow} from '../../src/plan/render.js'
import {type ArchitectureView, architectureView} from '../../src/profile/architecture.js'
import {loadProfile, requireSection} from '../../src/profile/load.js'

export interface ArchShowResult {
  profile: string
  architecture: ArchitectureView
  /** Every account of the profile under this architecture. */
  desired: DesiredAccount[]
  /** What `fleet up --arch ID` would change now; null with --offline. */
  plan: PlannedChange[] | null
  errors: Array<{account: string; error: ErrorInfo}>
}

export default class ArchShow extends FleetCommand {
  static override summary = 'Show one architecture and what `fleet up` would change to reach it.'

  static override description = `The architecture's load balancer type, app servers and ports, nginx settings and RDS public access, then per account the state it wants (the nginx host and the app servers running, every other account stopped) and, read from AWS, what \`fleet up --arch ID\` would do: start, stop, resize or nothing. With --offline nothing is called.`

  static override examples = [
    {description: 'Architecture 6 and the plan to reach it.', command: '<%= config.bin %> <%= command.id %> 6'},
    {description: 'Architecture 4-1 of the example fleet, without calling AWS, as JSON.', command: '<%= config.bin %> <%= command.id %> 4-1 --profile profiles/example.yaml --offline --json'},
  ]

  static override args = {
    id: Args.string({description: 'Architecture id, as in `fleet arch list`.', required: true}),
  }

  static override flags = {
    offline: Flags.boolean({summary: 'Show the architecture only; do not read the instances from AWS.'}),
  }

  async run(): Promise<ArchShowResult> {
    const {args, flags} = await this.parse(ArchShow)
    const profile = await loadProfile(flags.profile)
    requireSection(profile, 'architectures', 'fleet arch show')
    const architecture = architectureView(profile, args.id)
    const desired = desiredState(profile, args.id)
    let plan: PlannedChange[] | null = null
    let errors: ArchShowResult['errors'] = []
    if (!flags.offline) {
      const read = await readInstances(profile, await openAws(profile), profile.accounts.map((a) => a.name), flags.concurrency)
      plan = planChanges(desired, new Map([...read].map(([name, r]) => [name, r.instance])))
      errors = [...read].flatMap(([account, r]) => (r.error ? [{account, error: r.error}] : []))
    }
    if (!this.jsonEnabled()) this.log(renderArchShow(architecture, desired, plan, errors))
    if (errors.length > 0) this.setExitCode(ExitCode.external)
    return {profile: profile.name, architecture, desired, plan, errors}
  }
}
