import {Flags} from '@oclif/core'

import {FleetCommand} from '../../src/cli/base-command.js'
import {openAws, openProfile} from '../../src/cli/context.js'
import {renderShow} from '../../src/upstream/render.js'
import {type ShowResult, upstreamShow} from '../../src/upstream/show.js'

export default class UpstreamShow extends FleetCommand {
  static override summary = 'Show the nginx upstream as it is on the host, compared with what it should be.'
  static override description = 'Reads nginx.upstreamFile (or the upstream written inline in nginx.config) on the nginx host over SSH, and compares its servers and keep-alive with the running app servers of the architecture. Changes nothing.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --arch 6 --json']
  static override flags = {
    arch: Flags.string({summary: 'Architecture to compare with (default: the one `fleet up` applied last).'}),
    'accept-new-host-key': Flags.boolean({summary: 'Accept a changed SSH host key for the nginx host.'}),
  }

  async run(): Promise<ShowResult> {
    const {flags} = await this.parse(UpstreamShow)
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const result = await upstreamShow(profile, {provider, state}, {archFlag: flags.arch, acceptNewHostKey: flags['accept-new-host-key'], concurrency: flags.concurrency})
    if (!this.jsonEnabled()) this.log(renderShow(result))
    return result
  }
}
