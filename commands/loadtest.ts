import {Flags} from '@oclif/core'

import {MutatingCommand} from '../src/cli/base-command.js'
import {confirmPlan} from '../src/cli/confirm-plan.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {renderRunPlan} from '../src/loadtest/plan-render.js'
import {consoleProgress} from '../src/loadtest/progress.js'
import {renderLoadtestResult} from '../src/loadtest/result-render.js'
import {type LoadtestResult, loadtestExitCode, prepareLoadtest, runLoadtest} from '../src/loadtest/run.js'
import {loadtestSettings} from '../src/loadtest/settings.js'
import {parseDuration} from '../src/util/duration.js'

export default class Loadtest extends MutatingCommand {
  static override summary = 'Load-test every architecture in turn: bring it up, load it at each user level, name its bottleneck, count the cost.'
  static override description = `For each architecture (--arch, repeatable; default: every architecture of the profile, in file order): converge with fleet up, wait for the health check and the target, then for each user level a warm-up and a measured step. Each step records requests per second, latency p50/p95/p99, errors and non-2xx, the CPU of the LB and of every app server (sampled every second over one SSH session per host), the bytes through the LB, and nginx's "worker_connections are not enough". Each architecture gets a verdict: lb-cpu, app-cpu, nginx-connections, outside-fleet or none.

One plan for the whole run (each architecture's changes, the time, the estimated cost and free-tier hours) and one confirm; the guardrails of fleet up apply. The results go to $FLEET_HOME/runs/<time>/ (loadtest.json, loadtest.csv, report.html with the users → RPS and users → p99 charts), rewritten after every step. Ctrl-C stops the load at once and keeps what was measured (exit 130). --down stops the fleet at the end, and after Ctrl-C too; without it the output says what is still running.

Defaults come from the profile's loadtest section (url, address, users, think, duration). The load and every check connect to the LB this run converged: its public IP, or its private IP with loadtest.address: private; DNS is never used. loadtest.url (default http://<that IP>/) gives the Host header and the TLS name the certificate is checked against. A target that redirects stops the run before its first step (exit 2).`
  static override examples = [
    {description: 'The story\'s comparison: architectures 3 and 6, then stop everything.', command: '<%= config.bin %> <%= command.id %> --arch 3 --arch 6 --users 500,1000,2000 --down'},
    {description: 'Only show the plan and its estimated cost.', command: '<%= config.bin %> <%= command.id %> --arch 6 --dry-run'},
    {description: 'Beyond what one machine can generate: Artillery.', command: '<%= config.bin %> <%= command.id %> --arch 6 --users 3000 --engine artillery --yes --allow-paid'},
  ]
  static override flags = {
    arch: Flags.string({summary: 'Architecture to test (repeatable, or comma-separated; default: all, in file order).', multiple: true, delimiter: ','}),
    users: Flags.string({summary: 'User levels, comma-separated (default: loadtest.users, else 100,500,1000).'}),
    think: Flags.string({summary: 'Each user waits this long between requests; 0: as fast as it can (default: loadtest.think, else 1s).'}),
    duration: Flags.string({summary: 'The measured part of each step (default: loadtest.duration, else 60s).'}),
    warmup: Flags.string({summary: 'Load before each measured step, not counted (0: none).', default: '10s'}),
    path: Flags.string({summary: 'The path to load (replaces loadtest.url\'s; default /).'}),
    engine: Flags.option({options: ['autocannon', 'artillery'] as const, summary: 'Load generator: autocannon in-process, or Artillery.', default: 'autocannon'})(),
    down: Flags.boolean({summary: 'Stop every instance of the profile at the end (and after Ctrl-C).'}),
    'allow-paid': Flags.boolean({summary: 'Accept instance types outside freeTypes without a prompt (with --yes or no TTY).'}),
    'wait-timeout': Flags.string({summary: 'How long an account may take to reach its state before it is reported stuck.', default: '10m'}),
  }

  async run(): Promise<LoadtestResult | Record<string, unknown>> {
    const {flags} = await this.parse(Loadtest)
    const waitTimeoutMs = parseDuration(flags['wait-timeout'], '--wait-timeout', {maxMs: 6 * 3_600_000, why: 'six hours'})
    const {profile, state} = await openProfile(flags.profile)
    const settings = loadtestSettings(profile, flags)
    const provider = await openAws(profile)
    const prepared = await prepareLoadtest(profile, {provider, state}, settings, {concurrency: flags.concurrency})
    const plan = renderRunPlan(prepared.plan, settings)
    if (this.jsonEnabled()) process.stderr.write(`${plan}\n`)
    else this.log(plan)
    if (flags['dry-run']) return {dryRun: true, settings, plan: prepared.plan.archs.map((a) => ({arch: a.arch, plan: a.up.plan, upstream: a.up.upstream, cost: a.up.cost, minutes: a.minutes})), estimate: prepared.plan.estimate, minutes: prepared.plan.minutes}
    const again = ['fleet loadtest', ...this.argv.filter((a) => !['--yes', '-y', '--allow-paid'].includes(a))].join(' ')
    await confirmPlan({question: 'Run this load test?', yes: flags.yes, paid: prepared.plan.needsAllowPaid, allowPaid: flags['allow-paid'], command: again})
    const result = await this.mutate<LoadtestResult>({profile: profile.name, title: 'Load test', dryRun: false, spinner: false}, (run) =>
      runLoadtest(profile, {provider, state, locks: run.locks}, prepared, {concurrency: flags.concurrency, waitTimeoutMs, cancel: run.cancel, progress: consoleProgress()}),
    )
    if (!this.jsonEnabled()) this.log(`\n${renderLoadtestResult(result)}`)
    this.setExitCode(loadtestExitCode(result))
    return result
  }
}
