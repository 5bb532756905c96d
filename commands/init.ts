import {Args, Flags} from '@oclif/core'

import {FleetCommand} from '../src/cli/base-command.js'
import {initProfile, type InitResult} from '../src/profile/init.js'

export default class Init extends FleetCommand {
  static override summary = 'Write a commented starter profile.'

  static override description = `Writes $FLEET_HOME/profiles/NAME.yaml (FLEET_HOME defaults to ~/.config/fleet), or the file itself when NAME ends in .yaml or .yml. NAME defaults to --profile, else "default". The starter profile validates as written, with made-up account ids to replace. An existing profile is never overwritten without --force.`

  static override examples = [
    {description: 'Start the default profile.', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Start a profile named parking.', command: '<%= config.bin %> <%= command.id %> parking'},
    {description: 'Write the profile into the current project.', command: '<%= config.bin %> <%= command.id %> profiles/parking.yaml'},
    {description: 'Replace an existing profile with a fresh starter.', command: '<%= config.bin %> <%= command.id %> parking --force'},
  ]

  static override args = {
    name: Args.string({description: 'Profile name, or a path ending in .yaml (default: --profile).'}),
  }

  static override flags = {
    force: Flags.boolean({summary: 'Overwrite an existing profile.'}),
  }

  async run(): Promise<InitResult> {
    const {args, flags} = await this.parse(Init)
    const target = args.name ?? flags.profile
    const result = await initProfile(target, {force: flags.force})
    if (result.shadowedBy) this.warn(`${result.shadowedBy} is found first when fleet looks up \`${result.profile}\`.`)
    if (!this.jsonEnabled()) {
      this.log(`${result.overwritten ? 'Replaced' : 'Wrote'} profile \`${result.profile}\` at ${result.file}`)
      this.log('Next: edit the account ids and roles, then run `fleet login` and `fleet doctor`' + profileFlag(target))
    }
    return result
  }
}

function profileFlag(target: string): string {
  return target === 'default' ? '.' : ` with --profile ${target}.`
}
