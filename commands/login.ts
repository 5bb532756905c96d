import {text} from 'node:stream/consumers'

import {Flags} from '@oclif/core'

import {FleetCommand} from '../src/cli/base-command.js'
import {openProfile} from '../src/cli/context.js'
import {askSecret, askText, canPrompt} from '../src/cli/prompts.js'
import {assertKeychain, checkKey, parseKeyInput, storeHubKey, verifyHubKey} from '../src/aws/login.js'
import {UsageError} from '../src/errors.js'

export default class Login extends FleetCommand {
  static override summary = 'Store the hub’s AWS access key in the OS keychain.'
  static override description = `The key is read from a prompt, or from standard input with --stdin (the access key id and the secret on two lines), never from a flag. fleet checks it with STS before storing it under service "fleet", account = the profile name. Cached role sessions of the profile are forgotten.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --profile honors',
    'printf "%s\\n%s\\n" "$KEY_ID" "$SECRET" | <%= config.bin %> <%= command.id %> --profile honors --stdin',
  ]
  static override flags = {
    stdin: Flags.boolean({summary: 'Read the key from standard input instead of a prompt.'}),
  }

  async run(): Promise<{profile: string; identity: string; stored: true}> {
    const {flags} = await this.parse(Login)
    const {profile} = await openProfile(flags.profile)
    if (profile.data.hub.source !== 'keychain') {
      this.warn(`profile ${profile.name} has hub.source: ${profile.data.hub.source}; the stored key is used only with hub.source: keychain.`)
    }
    await assertKeychain()
    const key = flags.stdin ? parseKeyInput(await text(process.stdin)) : await this.promptKey()
    const identity = await verifyHubKey(key, profile.accounts[0]?.region ?? 'us-east-1')
    await storeHubKey(profile.name, key)
    if (!this.jsonEnabled()) this.log(`Stored the hub key for profile ${profile.name} (${identity}).`)
    return {profile: profile.name, identity, stored: true}
  }

  private async promptKey() {
    if (!canPrompt()) {
      throw new UsageError('NoTty', 'No TTY to prompt for the key.', {nextSteps: ['Pipe it in with --stdin.']})
    }
    const accessKeyId = (await askText('AWS access key id:')).trim()
    const secretAccessKey = (await askSecret('AWS secret access key:')).trim()
    return checkKey({accessKeyId, secretAccessKey})
  }
}
