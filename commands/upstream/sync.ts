import {Flags} from '@oclif/core'

import {MutatingCommand} from '../../src/cli/base-command.js'
import {openAws, openProfile} from '../../src/cli/context.js'
import {exitCodeOf} from '../../src/errors.js'
import {renderSync} from '../../src/upstream/render.js'
import {type SyncResult, upstreamSync} from '../../src/upstream/sync.js'

export default class UpstreamSync extends MutatingCommand {
  static override summary = 'Point nginx’s upstream at the app servers’ current IPs and apply the architecture’s nginx settings.'
  static override description = `The upstream's servers are the running app instances of the architecture (the one \`fleet up\` applied last, or --arch) at their current public or private IP (nginx.address) on the architecture's ports. fleet owns nginx.upstreamFile and edits nginx.config only for worker_processes, worker_connections (and worker_rlimit_nofile), and the keep-alive prerequisites where a location proxies to the upstream; an inline upstream block moves to nginx.upstreamFile on the first sync.

It keeps a backup, writes the files in place, runs nginx.test, reloads, and confirms through nginx.dump; any failure (a refused test, a timeout, a dropped connection, a second Ctrl-C) restores the old files. "In sync" is judged against what nginx has loaded: files it never loaded are reloaded. It never writes an empty upstream, and a run with nothing new changes nothing. With apps.health set, every server is asked for it from the nginx host.`
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
    const dryRun = flags['dry-run']
    const result = await this.mutate<SyncResult>({profile: profile.name, title: 'Syncing the nginx upstream', dryRun, failed: (r) => r.error !== null}, (run) =>
      upstreamSync(profile, {provider, state, locks: run.locks}, {
        archFlag: flags.arch,
        dryRun,
        concurrency: flags.concurrency,
        acceptNewHostKey: flags['accept-new-host-key'],
        onStep: run.step,
        cancel: run.cancel,
      }),
    )
    if (!this.jsonEnabled()) this.log(renderSync(result, dryRun))
    this.setExitCode(exitCodeOf([result.error]))
    return result
  }
}
