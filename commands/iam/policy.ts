import {Flags} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {openAws, openProfile} from '../../src/cli/context.js'
import {hubPrincipal as askHubPrincipal} from '../../src/iam/hub-principal.js'
import {type AccountPolicies, policiesFor} from '../../src/iam/policy.js'
import {renderPolicies} from '../../src/iam/render.js'

interface PolicyResult {
  profile: string
  hubPrincipal: string
  accounts: AccountPolicies[]
}

export default class IamPolicy extends FleetCommand {
  static override summary = 'Print the FleetOperator role’s trust and least-privilege permission policies for each account.'
  static override description = `The trust policy lets the hub identity assume the role (with the profile's externalId, and only with MFA when hub.mfaSerial is set). The permission policy allows exactly the calls fleet makes: reads everywhere, changes only on the fleet instance (by id or by its tags), its security groups, and the RDS instance in the rds account.

Without --hub-principal, fleet asks STS who the hub is (one GetCallerIdentity call).`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --hub-principal arn:aws:iam::111111111111:user/me',
    '<%= config.bin %> <%= command.id %> --profile honors --json > policies.json',
  ]
  static override flags = {
    'hub-principal': Flags.string({summary: 'The IAM ARN to trust (default: the hub’s own identity).'}),
  }

  async run(): Promise<PolicyResult> {
    const {flags} = await this.parse(IamPolicy)
    const {profile} = await openProfile(flags.profile)
    let hubPrincipal = flags['hub-principal']
    if (!hubPrincipal) {
      const {principal, note} = await askHubPrincipal(await openAws(profile))
      if (note) this.logToStderr(`Note: ${note}`)
      hubPrincipal = principal
    }
    const result = {profile: profile.name, hubPrincipal, accounts: policiesFor(profile, hubPrincipal)}
    if (!this.jsonEnabled()) this.log(renderPolicies(result.accounts))
    return result
  }
}
