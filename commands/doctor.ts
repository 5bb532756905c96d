import {Flags} from '@oclif/core'

import {FleetCommand} from '../src/cli/base-command.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {type DoctorResult, runDoctor} from '../src/doctor/doctor.js'
import {renderDoctor} from '../src/doctor/render.js'
import {ExitCode} from '../src/errors.js'

export default class Doctor extends FleetCommand {
  static override summary = 'Check that every account is ready for fleet.'
  static override description = `Per account: the role can be assumed, it acts in the account the profile names, exactly one instance matches, which IAM permissions the role lacks, whether the RDS instance's VPC can serve public access (it has an internet gateway), and on each running instance: SSH reachable, nginx's test command passing on the nginx host, and the app tools (the first program of apps.restart or apps.logs) present on the app servers.

A check marked ? could not be made (for example, the role may not call iam:SimulatePrincipalPolicy). Exit code 3 when any check fails.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile honors --json',
  ]

  static override flags = {
    'no-ssh': Flags.boolean({summary: 'Check AWS only; do not connect to the instances.'}),
  }

  async run(): Promise<DoctorResult> {
    const {flags} = await this.parse(Doctor)
    const {profile} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const result = await runDoctor(profile, {provider, concurrency: flags.concurrency}, {ssh: !flags['no-ssh']})
    if (!this.jsonEnabled()) this.log(renderDoctor(result))
    if (result.accounts.some((a) => !a.ok)) this.setExitCode(ExitCode.external)
    return result
  }
}
