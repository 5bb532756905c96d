import {FleetCommand} from '../src/cli/base-command.js'
import {openProfile} from '../src/cli/context.js'
import {removeHubKey} from '../src/aws/login.js'

export default class Logout extends FleetCommand {
  static override summary = 'Remove the hub key and the cached role sessions of a profile from the keychain.'
  static override examples = ['<%= config.bin %> <%= command.id %> --profile honors']

  async run(): Promise<{profile: string; removed: boolean; sessions: number}> {
    const {flags} = await this.parse(Logout)
    const {profile} = await openProfile(flags.profile)
    const {removed, sessions} = await removeHubKey(profile.name)
    if (!this.jsonEnabled()) {
      this.log(removed ? `Removed the hub key of profile ${profile.name}.` : `No hub key was stored for profile ${profile.name}.`)
      if (sessions > 0) this.log(`Forgot ${sessions} cached session(s).`)
    }
    return {profile: profile.name, removed, sessions}
  }
}
