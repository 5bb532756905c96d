import {Flags} from '@oclif/core'

import {MutatingCommand} from '../src/cli/base-command.js'
import {confirmPlan} from '../src/cli/confirm-plan.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {ExitCode, exitCodeOf} from '../src/errors.js'
import {liveLines} from '../src/output/live-lines.js'
import {dryRunDocument} from '../src/plan/dry-run.js'
import {renderUpPlan} from '../src/plan/up-render.js'
import {applyUp, type UpResult, upErrors} from '../src/up/apply.js'
import {MAX_TTL_MS} from '../src/up/auto-stop.js'
import {prepareUp} from '../src/up/prepare.js'
import {planNotes, renderUpResult} from '../src/up/render.js'
import {parseDuration} from '../src/util/duration.js'

export default class Up extends MutatingCommand {
  static override summary = 'Converge the fleet to an architecture: start, stop and resize every account’s instance, then point nginx at the app servers.'
  static override description = `Prints the plan (what starts, stops and is resized, the upstream before and after, what it costs per hour and the free-tier hours it uses), asks (on a TTY; otherwise --yes), then converges in the spec's order: (1) the app servers that will stop leave the upstream; (2) every account at once: start, stop, or resize (stop, change type, start), waiting until running and status checks pass; (3) RDS public access as the architecture says; (4) upstream sync with the health check, as soon as the LB and its apps are up.

Types outside freeTypes cost money: confirming the plan accepts it; without a prompt it needs --allow-paid. Without --arch, fleet up goes on with the architecture last applied (an interrupted run is retried). A converged fleet changes nothing. The load balancer's public IP changes at every start: it is printed at the end.`
  static override examples = [
    {description: 'Bring up architecture 6 (the LB resized to t2.medium, three app servers).', command: '<%= config.bin %> <%= command.id %> --arch 6'},
    {description: 'Only show the plan.', command: '<%= config.bin %> <%= command.id %> --arch 3 --dry-run'},
    {description: 'From a script: no prompt, paid types accepted, JSON out.', command: '<%= config.bin %> <%= command.id %> --arch 6 --yes --allow-paid --json'},
    {description: 'A test session that stops itself after three hours, should you forget `fleet down`.', command: '<%= config.bin %> <%= command.id %> --arch 6 --ttl 3h'},
  ]
  static override flags = {
    arch: Flags.string({summary: 'Architecture to converge to (default: the one last applied).'}),
    'allow-paid': Flags.boolean({summary: 'Accept instance types outside freeTypes without a prompt (with --yes or no TTY).'}),
    'wait-timeout': Flags.string({summary: 'How long an account may take to reach its state before it is reported stuck.', default: '10m'}),
    ttl: Flags.string({summary: 'Every instance of the architecture stops itself after this long (e.g. 3h, 90m; at most 7d). RDS is not covered.'}),
    'accept-new-host-key': Flags.boolean({summary: 'Accept a changed SSH host key for the nginx host (it was rebuilt on purpose).'}),
  }

  async run(): Promise<UpResult | Record<string, unknown>> {
    const {flags} = await this.parse(Up)
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], '--wait-timeout', {maxMs: 6 * 3_600_000, why: 'six hours'})
    const ttlMs = flags.ttl === undefined ? undefined : parseDuration(flags.ttl, '--ttl', {maxMs: MAX_TTL_MS, why: 'beyond a week it no longer protects a forgotten fleet'})
    const {profile, state} = await openProfile(flags.profile)
    const provider = await openAws(profile)
    const prepared = await prepareUp(profile, {provider, state}, {archFlag: flags.arch, concurrency: flags.concurrency, acceptNewHostKey: flags['accept-new-host-key'], ttlMs})
    const human = !this.jsonEnabled()
    if (human) this.log([...planNotes(prepared), renderUpPlan(prepared.up)].join('\n'))
    else process.stderr.write(`${renderUpPlan(prepared.up)}\n`)
    if (flags['dry-run']) {
      const document = dryRunDocument({arch: prepared.arch.id, plan: prepared.up.plan, instances: prepared.instances, lbAccount: prepared.arch.lb.account, upstream: prepared.up.upstream})
      return {...document, upstreamPlan: prepared.up.upstream, cost: prepared.up.cost, warnings: prepared.up.warnings, converged: prepared.up.converged}
    }
    if (!prepared.up.converged || prepared.errors.length > 0 || ttlMs) {
      await confirmPlan({question: 'Apply this plan?', yes: flags.yes, paid: prepared.up.cost.needsAllowPaid, allowPaid: flags['allow-paid'], command: `fleet up --arch ${prepared.arch.id}`})
    }
    const result = await this.mutate<UpResult>({profile: profile.name, title: `Converging to architecture ${prepared.arch.id}`, dryRun: false, spinner: false}, (run) => {
      const lines = liveLines([...prepared.up.plan.map((c) => c.account), ...(prepared.arch.rdsPublic === null ? [] : ['rds']), 'upstream'])
      return applyUp(profile, {provider, state, locks: run.locks}, prepared, {
        concurrency: flags.concurrency,
        waitTimeoutMs,
        ttlMs,
        acceptNewHostKey: flags['accept-new-host-key'],
        cancel: run.cancel,
        onPhase: (account, phase, detail) => lines.set(account, phase, detail),
        onStep: (label) => lines.set('upstream', 'syncing', label),
      }).finally(() => lines.done())
    })
    if (human) this.log(renderUpResult(result))
    this.setExitCode(result.interrupted ? ExitCode.interrupted : exitCodeOf(upErrors(result)))
    return result
  }
}
