import {Flags} from '@oclif/core'

import {MutatingCommand} from '../src/cli/base-command.js'
import {confirmPlan} from '../src/cli/confirm-plan.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {ExitCode, exitCodeOf} from '../src/errors.js'
import {liveLines} from '../src/output/live-lines.js'
import {dryRunDocument} from '../src/plan/dry-run.js'
import {renderUpPlan} from '../src/plan/up-render.js'
import {rdsErrors} from '../src/up/apply.js'
import {applyDown, type DownResult, prepareDown} from '../src/up/down.js'
import {renderDownResult} from '../src/up/render.js'
import {parseDuration} from '../src/util/duration.js'
import {downPlanView} from '../src/up/down-plan.js'

export default class Down extends MutatingCommand {
  static override summary = 'Stop every instance of the profile, turn RDS public access off, and list what still costs money.'
  static override description = `Every fleet instance stops at once (the nginx host too unless kept with --keep), and fleet waits until each is stopped. At the end it lists, per account, whatever still costs money: running instances (kept ones, or any outside the fleet), Elastic IPs not on a running instance, the RDS instance while it runs, and its public IPv4 while public access is on — or says nothing is left.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Keep the nginx host running.', command: '<%= config.bin %> <%= command.id %> --keep lb'},
    {description: 'From a script.', command: '<%= config.bin %> <%= command.id %> --yes --json'},
  ]
  static override flags = {
    keep: Flags.string({summary: 'An account whose instance stays as it is (repeatable).', multiple: true, default: []}),
    'wait-timeout': Flags.string({summary: 'How long an account may take to stop before it is reported stuck.', default: '10m'}),
  }

  async run(): Promise<DownResult | Record<string, unknown>> {
    const {flags} = await this.parse(Down)
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], '--wait-timeout', {maxMs: 6 * 3_600_000, why: 'six hours'})
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const prepared = await prepareDown(profile, {provider, state}, {keep: flags.keep, concurrency: flags.concurrency})
    const view = downPlanView(profile, prepared)
    const human = !this.jsonEnabled()
    const text = renderUpPlan(view, {heading: 'Plan: stop the fleet' + (prepared.kept.length > 0 ? ` (keeping ${prepared.kept.join(', ')})` : '') + ':', converged: 'Every fleet instance is already stopped.', upstream: false})
    if (human) this.log(text)
    else process.stderr.write(`${text}\n`)
    if (flags['dry-run']) return {...dryRunDocument({arch: prepared.arch, plan: prepared.plan, instances: prepared.instances, lbAccount: null, upstream: null}), kept: prepared.kept}
    if (!view.converged) await confirmPlan({question: 'Stop these instances?', yes: flags.yes, paid: false, allowPaid: false, command: 'fleet down'})
    const result = await this.mutate<DownResult>({profile: profile.name, title: 'Stopping the fleet', dryRun: false, spinner: false}, (run) => {
      const lines = liveLines([...(profile.data.rds ? ['rds'] : []), ...prepared.plan.map((c) => c.account)])
      return applyDown(profile, {provider, state, locks: run.locks}, prepared, {
        concurrency: flags.concurrency,
        waitTimeoutMs,
        cancel: run.cancel,
        onPhase: (account, phase, detail) => lines.set(account, phase, detail),
      }).finally(() => lines.done())
    })
    if (human) this.log(renderDownResult(result))
    this.setExitCode(result.interrupted ? ExitCode.interrupted : exitCodeOf([...result.results.map((r) => r.error), ...result.costErrors.map((e) => e.error), ...rdsErrors(result.rds), ...(result.autoStop ?? []).map((a) => a.error)]))
    return result
  }
}
