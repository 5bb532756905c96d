import {Args} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {homePaths} from '../../src/home.js'
import {forgetHostKey} from '../../src/remote/index.js'

export default class HostsForget extends FleetCommand {
  static override summary = 'Forget the SSH host key pinned for an instance.'

  static override description = `fleet pins each instance's SSH host key in $FLEET_HOME/known_hosts, by instance id, the first time it connects, and refuses a different key afterwards. After an instance was rebuilt (a new key you expect), forget the old key: the next connection pins the new one.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> i-0123456789abcdef0',
    '<%= config.bin %> <%= command.id %> i-0123456789abcdef0 --json',
  ]

  static override args = {
    instance_id: Args.string({description: 'The instance id, as in `fleet status` or the host-key error.', required: true}),
  }

  async run(): Promise<{instanceId: string; forgotten: boolean}> {
    const {args} = await this.parse(HostsForget)
    const file = homePaths().knownHosts
    const forgotten = await forgetHostKey(args.instance_id, file)
    this.log(forgotten ? `Forgot the host key of ${args.instance_id} (${file}).` : `No host key was pinned for ${args.instance_id} in ${file}.`)
    return {instanceId: args.instance_id, forgotten}
  }
}
