import {Args, Flags} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {openAws} from '../../src/cli/context.js'
import {exitCodeOf} from '../../src/errors.js'
import {renderArchShow} from '../../src/plan/render.js'
import {type ArchPlan, planArchitecture} from '../../src/plan/service.js'
import {loadProfile} from '../../src/profile/load.js'

export type ArchShowResult = Omit<ArchPlan, 'instances'>

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
    const aws = () => openAws(profile)
    const {instances: _read, ...result} = await planArchitecture(profile, {aws, concurrency: flags.concurrency}, {archId: args.id, offline: flags.offline})
    if (!this.jsonEnabled()) this.log(renderArchShow(result.architecture, result.desired, result.plan, result.errors))
    this.setExitCode(exitCodeOf(result.errors.map((e) => e.error)))
    return result
  }
}
