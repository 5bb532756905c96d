import {Flags} from '@oclif/core'

import {FleetCommand} from '../src/cli/base-command.js'
import {openAws, openProfile} from '../src/cli/context.js'
import {CostCache} from '../src/cost/cache-store.js'
import {costRequest} from '../src/cost/options.js'
import {alertLines, failOverLines, renderCost} from '../src/cost/render.js'
import {type CostDeps, type CostProvider, fleetCost, watchCost} from '../src/cost/service.js'
import type {CostReport} from '../src/cost/types.js'
import {watchPrinter} from '../src/cost/watch-printer.js'
import {exitCodeOf} from '../src/errors.js'
import {homePaths} from '../src/home.js'
import {progress} from '../src/output/progress.js'

export default class Cost extends FleetCommand {
  static override summary = 'Show what each account spends this month, by usage type, with the month-end projection and the free-tier hours left.'

  static override description = `Asks Cost Explorer for every account in parallel, through its role: month to date (UTC) by usage type, rolled into EC2 hours, public IPv4, regional (inter-EC2) transfer, internet egress, RDS and other; credits shown beside the charges; the month-end projection; the free-tier instance hours used and left; a warning past cost.alertUsd.

Cost Explorer bills $0.01 a request (each page): answers are kept in $FLEET_HOME/cache/ for cost.cacheHours (default 6), a closed month for good, and the output says how many requests the run made. --refresh asks again.

--watch adds the fleet instances' network traffic from CloudWatch, refreshed every --interval until Ctrl-C (exit 0): an upper bound of inter-EC2 transfer, since it also counts load-generator and database traffic.

An account Cost Explorer refuses (no access, not enabled) is reported with what to do while the others are shown; the exit code is then 3. --fail-over exits 4 when an account's month to date passes the amount (4 wins over 3).`

  static override examples = [
    {description: 'This month, from the cache when it is fresh.', command: '<%= config.bin %> <%= command.id %> --profile honors'},
    {description: 'Last month, as JSON.', command: '<%= config.bin %> <%= command.id %> --month 2026-10 --json'},
    {description: 'From cron: exit 4 when an account passes $5.', command: '<%= config.bin %> <%= command.id %> --fail-over 5 --json'},
    {description: 'Live traffic during a load test, every 30 seconds.', command: '<%= config.bin %> <%= command.id %> --watch --interval 30s'},
  ]

  static override flags = {
    month: Flags.string({summary: 'The UTC month to show, as YYYY-MM (default: this month).'}),
    refresh: Flags.boolean({summary: 'Ask Cost Explorer again even when the cached answer is fresh ($0.01 a request).'}),
    watch: Flags.boolean({summary: 'Add the fleet’s live traffic from CloudWatch, refreshed until Ctrl-C.'}),
    interval: Flags.string({summary: 'With --watch: time between two refreshes, e.g. 30s or 2m (default 60s).'}),
    'fail-over': Flags.string({summary: 'Exit 4 when an account’s month to date passes this many USD (for cron).'}),
  }

  async run(): Promise<CostReport | undefined> {
    const {flags} = await this.parse(Cost)
    const request = costRequest(flags, new Date())
    const {profile} = await openProfile(flags.profile)
    let aws: Promise<CostProvider> | undefined
    const deps: CostDeps = {aws: () => (aws ??= openAws(profile)), cache: new CostCache(homePaths().cache), concurrency: flags.concurrency}
    const options = {month: request.month, refresh: request.refresh, failOverUsd: request.failOverUsd}
    const alertUsd = profile.data.cost?.alertUsd
    if (request.watch) {
      const mode = this.jsonEnabled() ? 'json' : process.stdout.isTTY && !process.env.CI ? 'screen' : 'lines'
      const printer = watchPrinter({mode, intervalMs: request.watch.intervalMs, alertUsd, out: process.stdout, err: process.stderr})
      await watchCost(profile, deps, {...options, ...request.watch, signal: this.cancellation().signal, ...printer})
      return undefined
    }
    const bar = progress('Reading costs', profile.accounts.length)
    const {report, warnings} = await fleetCost(profile, {...deps, onAccountDone: (name) => bar.tick(name)}, options)
    bar.done()
    for (const warning of warnings) process.stderr.write(`Warning: ${warning}\n`)
    if (!this.jsonEnabled()) this.log(renderCost(report, {alertUsd}))
    else if (alertUsd !== undefined) for (const line of alertLines(report.accounts, alertUsd)) process.stderr.write(`${line}\n`)
    for (const line of failOverLines(report)) process.stderr.write(`${line}\n`)
    this.setExitCode(exitCodeOf(report.accounts.map((a) => a.error), (report.failOver?.over.length ?? 0) > 0))
    return report
  }
}
