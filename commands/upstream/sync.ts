import {Flags} from '@oclif/core'

import {MutatingCommand} from '../../src/cli/base-command.js'
import {openAws, openProfile} from '../../src/cli/context.js'
import {ExitCode} from '../../src/errors.js'
import {interruptOnSigint} from '../../src/cli/interrupt.js'
import {steps} from '../../src/output/progress.js'
import {withProfileLock} from '../../src/state/profile-lock.js'
import {renderSync} from '../../src/upstream/render.js'
import {type SyncResult, upstreamSync} from '../../src/upstream/sync.js'

export default class UpstreamSync extends MutatingCommand {
  static override summary = 'Point nginx’s upstream at the app servers’ current IPs and apply the architecture’s nginx settings.'
  static override description = `The upstream's servers are the running app instances of the architecture (the one \`fleet up\` applied last, or --arch) at their current public or private IP (nginx.address) on the architecture's ports. fleet owns nginx.upstreamFile and edits nginx.config only for worker_processes, worker_connections (and worker_rlimit_nofile), and the keep-alive prerequisites where a location proxies to the upstream; an inline upstream block moves to nginx.upstreamFile on the first sync.

It keeps a backup, writes the files in place, runs nginx.test, reloads, and confirms through nginx.dump; any failure restores the old files. It never writes an empty upstream, and a run with nothing new changes nothing. With apps.health set, every server is asked for it from the nginx host.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'See the diff without changing anything.', command: '<%= config.bin %> <%= command.id %> --arch 6 --dry-run'},
    '<%= config.bin %> <%= command.id %> --profile honors --json',
  ]
  static override flags = {
    arch: Flags.string({summary: 'Architecture to sync to (default: the one `fleet up` applied last).'}),
    'accept-new-host-key': Flags.boolean({summary: 'Accept a changed SSH host key for the nginx host (it was rebuilt on purpose).'}),
  }

  async run(): Promise<SyncResult> {
    const {flags} = await this.parse(UpstreamSync)
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const spinner = steps('Syncing the nginx upstream')
    const interrupt = interruptOnSigint()
    const options = {
      archFlag: flags.arch,
      dryRun: flags['dry-run'],
      concurrency: flags.concurrency,
      acceptNewHostKey: flags['accept-new-host-key'],
      onStep: spinner.step,
      signal: interrupt.signal,
    }
    const sync = () => upstreamSync(profile, {provider, state}, options)
    const result = await (flags['dry-run'] ? sync() : withProfileLock(profile.name, sync)).catch((error: unknown) => {
      spinner.done('failed')
      throw error
    })
    interrupt.dispose()
    spinner.done(result.error ? 'failed' : 'done')
    if (!this.jsonEnabled()) this.log(renderSync(result, flags['dry-run']))
    if (result.error) this.setExitCode(ExitCode.external)
    return result
  }
}
