/**
 * `fleet cost` against a real moto server, through the recording proxy:
 * Cost Explorer answers queued per account in AWS's response shapes (each
 * request with new parameters, each page included, takes the next one),
 * CloudWatch data put with PutMetricData. The proxy counts the billable
 * requests and shows the region each was signed for.
 */
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

import {CloudWatchClient, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {currentMonth, hoursElapsed, hoursInMonth, monthStart} from '../src/cost/month.js'
import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {
  type FleetEnv,
  fleetEnv,
  type Moto,
  queueCostResults,
  roleArn,
  roleCredentials,
  runFleet,
  seedAccount,
  startFleet,
  startMoto,
  tempDir,
  uniqueAccountId,
  writeProfile,
} from './harness/moto.ts'

let moto: Moto
let proxy: LatencyProxy

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
})

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

// --- Cost Explorer answers, shaped as GetCostAndUsage sends them ---------

type Row = [usageType: string, recordType: string, usd: number, quantity: number, unit: string]

const day = (d: Date) => d.toISOString().slice(0, 10)
/** The window fleet asks for: this UTC month's first day to tomorrow. */
function window(): {Start: string; End: string} {
  const now = new Date()
  return {Start: day(monthStart(currentMonth(now))), End: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)))}
}

function page(rows: Row[], options: {next?: string; estimated?: boolean; currency?: string; period?: {Start: string; End: string}} = {}) {
  return {
    GroupDefinitions: [
      {Type: 'DIMENSION', Key: 'USAGE_TYPE'},
      {Type: 'DIMENSION', Key: 'RECORD_TYPE'},
    ],
    ResultsByTime: [
      {
        TimePeriod: options.period ?? window(),
        Total: {},
        Groups: rows.map(([usageType, recordType, usd, quantity, unit]) => ({
          Keys: [usageType, recordType],
          Metrics: {UnblendedCost: {Amount: String(usd), Unit: options.currency ?? 'USD'}, UsageQuantity: {Amount: String(quantity), Unit: unit}},
        })),
        Estimated: options.estimated ?? true,
      },
    ],
    DimensionValueAttributes: [],
    ...(options.next ? {NextPageToken: options.next} : {}),
  }
}

/** The story's LB account over two pages: $9.64 of charges, one credit. */
const lbPages = () => [
  page(
    [
      ['APN2-BoxUsage:t2.micro', 'Usage', 0, 412.5, 'Hrs'],
      ['APN2-BoxUsage:t2.medium', 'Usage', 1.0512, 18.25, 'Hrs'],
      ['APN2-PublicIPv4:InUseAddress', 'Usage', 0.5525, 110.5, 'Hrs'],
    ],
    {next: 'AAMA-lb-page-2'},
  ),
  page([
    ['APN2-DataTransfer-Regional-Bytes', 'Usage', 0.23417, 23.417, 'GB'],
    ['APN2-InstanceUsage:db.t3.micro', 'Usage', 7.8, 300, 'Hrs'],
    ['APN2-BoxUsage:t2.medium', 'Credit', -1.0512, 0, 'Hrs'],
  ]),
]
const LB_TOTAL = 9.63787

const appPages = () => [page([['BoxUsage:t2.micro', 'Usage', 2.32, 200, 'Hrs'], ['BoxUsage:t2.micro', 'Credit', -2.32, 0, 'Hrs']])]
const noGroups = () => [page([])]

// --- profiles -----------------------------------------------------------

const account = (id: string, tag: string, extra: object = {}) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ...extra})

function profileFile(accounts: Record<string, object>, cost?: object): Promise<string> {
  return writeProfile(tempDir('fleet-cost-'), {region: 'ap-northeast-2', hub: {source: 'env'}, accounts, ...(cost ? {cost} : {})})
}

const costCalls = (accountId?: string) => proxy.requests({action: 'GetCostAndUsage', ...(accountId ? {accountId} : {})})

describe('fleet cost', () => {
  it('shows each account by group from every page, in the spec’s JSON, signed for us-east-1, and counts the requests', async () => {
    const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId()}
    await queueCostResults(proxy, ids.lb, lbPages())
    await queueCostResults(proxy, ids.app1, appPages())
    await queueCostResults(proxy, ids.app2, noGroups())
    const file = await profileFile({lb: account(ids.lb, 'lb'), 'app-1': account(ids.app1, 'app', {freePlan: 'credits'}), 'app-2': account(ids.app2, 'app')})
    const env = fleetEnv(proxy)
    proxy.clear()

    const run = await runFleet(['cost', '--profile', file, '--json'], {env})
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({month: currentMonth(new Date()).id, ceRequests: 4, fromCache: false})
    const [lb, app1, app2] = out.accounts
    expect(lb).toMatchObject({name: 'lb', ok: true, error: null, totalUsd: LB_TOTAL, creditsUsd: -1.0512, estimated: true, fromCache: false})
    expect(lb.byUsageType).toContainEqual(expect.objectContaining({group: 'regional-transfer', usageType: 'APN2-DataTransfer-Regional-Bytes', usd: 0.23417, quantity: 23.417, unit: 'GB'}))
    expect(lb.byUsageType).toContainEqual(expect.objectContaining({group: 'public-ipv4', usageType: 'APN2-PublicIPv4:InUseAddress', usd: 0.5525}))
    expect(lb.byUsageType).toContainEqual(expect.objectContaining({group: 'ec2-hours', usageType: 'APN2-BoxUsage:t2.medium', usd: -1.0512, recordType: 'Credit'}))
    expect(lb.byUsageType.map((l: {group: string}) => l.group)).toContain('rds')
    expect(lb.freeTier).toEqual({plan: '750-hours', hoursUsed: 412.5, hoursAllowed: 750, hoursLeft: 337.5})
    // Spec section 5: month to date ÷ hours elapsed × hours in the month, as of the answer.
    const month = currentMonth(new Date())
    const asOf = new Date(lb.fetchedAt)
    expect(lb.projectedUsd).toBeCloseTo((LB_TOTAL / Math.max(1, hoursElapsed(month, asOf))) * hoursInMonth(month), 4)
    expect(app1).toMatchObject({ok: true, totalUsd: 2.32, netUsd: 0, freeTier: {plan: 'credits', hoursUsed: 200, hoursAllowed: null}})
    expect(app2).toMatchObject({ok: true, totalUsd: 0, projectedUsd: 0, byUsageType: []})

    // Every page is a request, always to us-east-1, whatever the account's region.
    expect(costCalls()).toHaveLength(4)
    expect(costCalls(ids.lb)).toHaveLength(2)
    for (const r of costCalls()) expect([r.service, r.region]).toEqual(['ce', 'us-east-1'])
    expect(readdirSync(join(env.FLEET_HOME, 'cache'))).toHaveLength(3)
  })

  it('answers from the cache inside cost.cacheHours with no request at all; --refresh asks again, retries counted', async () => {
    const ids = {lb: uniqueAccountId(), app1: uniqueAccountId()}
    await queueCostResults(proxy, ids.lb, lbPages())
    await queueCostResults(proxy, ids.app1, appPages())
    const file = await profileFile({lb: account(ids.lb, 'lb'), 'app-1': account(ids.app1, 'app')})
    const env = fleetEnv(proxy)
    const first = await runFleet(['cost', '--profile', file], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout).toContain('3 Cost Explorer requests, $0.03')

    proxy.clear()
    const cached = await runFleet(['cost', '--profile', file], {env})
    expect(cached.exitCode, cached.stderr).toBe(0)
    expect(proxy.records).toEqual([]) // no Cost Explorer request, no role assumed
    expect(cached.stdout).toMatch(/ACCOUNT\s+EC2 HOURS\s+PUBLIC IPV4\s+REGIONAL\s+EGRESS\s+RDS\s+OTHER\s+TOTAL\s+CREDITS\s+MONTH-END/)
    expect(cached.stdout).toMatch(/\nlb\s+\$1\.05\s+\$0\.55\s+\$0\.23\s+-\s+\$7\.80\s+-\s+\$9\.64\*\s+-\$1\.05\s+\$\d+\.\d\d\n/)
    expect(cached.stdout).toMatch(/\napp-1\s+\$2\.32\s+-\s+-\s+-\s+-\s+-\s+\$2\.32\*/)
    expect(cached.stdout).toContain('APN2-DataTransfer-Regional-Bytes  regional-transfer  23.42 GB')
    expect(cached.stdout).toContain('lb: 412.5 of 750 free-tier hours used, 337.5 left')
    expect(cached.stdout).toContain('0 Cost Explorer requests, $0.00 (answers from the cache)')
    expect(cached.stdout).toMatch(/From the cache: lb, app-1 \(asked \d{4}-\d\d-\d\d \d\d:\d\d UTC\); --refresh asks again\./)

    proxy.clear()
    proxy.inject({action: 'GetCostAndUsage', accountId: ids.lb, kind: 'throttle', times: 1})
    const refreshed = await runFleet(['cost', '--profile', file, '--refresh', '--json'], {env})
    expect(refreshed.exitCode, refreshed.stderr).toBe(0)
    const out = JSON.parse(refreshed.stdout)
    // lb: a throttled page and its retry, then page 2; app-1: one page.
    expect(costCalls()).toHaveLength(4)
    expect(out).toMatchObject({ceRequests: 4, fromCache: false})
    expect(out.accounts[0]).toMatchObject({ok: true, totalUsd: LB_TOTAL, fromCache: false})
  })

  it('keeps a closed month for good, even with cost.cacheHours 0', async () => {
    const id = uniqueAccountId()
    const now = new Date()
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
    const lastId = currentMonth(last).id
    const period = {Start: day(last), End: day(monthStart(currentMonth(now)))}
    await queueCostResults(proxy, id, [page([['APN2-BoxUsage:t2.medium', 'Usage', 33.4, 720, 'Hrs']], {estimated: false, period})])
    const file = await profileFile({lb: account(id, 'lb')}, {cacheHours: 0})
    const env = fleetEnv(proxy)
    proxy.clear()
    const first = JSON.parse((await runFleet(['cost', '--profile', file, '--month', lastId, '--json'], {env})).stdout)
    expect(first).toMatchObject({month: lastId, ceRequests: 1})
    // A closed month projects to what it cost.
    expect(first.accounts[0]).toMatchObject({totalUsd: 33.4, projectedUsd: 33.4, estimated: false})
    const again = JSON.parse((await runFleet(['cost', '--profile', file, '--month', lastId, '--json'], {env})).stdout)
    expect(again).toMatchObject({ceRequests: 0, fromCache: true})
    expect(costCalls(id)).toHaveLength(1)
  })

  it('reports an account Cost Explorer refuses with what to do, shows the others, and exits 3; --fail-over exits 4 (4 wins over 3)', async () => {
    const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId()}
    await queueCostResults(proxy, ids.lb, lbPages())
    await queueCostResults(proxy, ids.app2, [page([['APN2-BoxUsage:t2.medium', 'Usage', 0.98, 18.25, 'Hrs']], {currency: 'EUR'})])
    const file = await profileFile({lb: account(ids.lb, 'lb'), 'app-1': account(ids.app1, 'app'), 'app-2': account(ids.app2, 'app')}, {alertUsd: 1})
    const env = fleetEnv(proxy)
    const notEnabled = {action: 'GetCostAndUsage', accountId: ids.app1, kind: 'error', status: 400, code: 'AccessDeniedException', message: 'User not enabled for cost explorer access'} as const

    proxy.inject(notEnabled)
    const human = await runFleet(['cost', '--profile', file], {env})
    expect(human.exitCode, human.stderr).toBe(3)
    expect(human.stdout).toMatch(/\nlb\s+\$1\.05/)
    expect(human.stdout).toMatch(/\napp-1\s+(-\s+){6}ERROR/)
    expect(human.stdout).toContain(`✗ app-1: account app-1 (${ids.app1}): Cost Explorer is not enabled in this account.`)
    expect(human.stdout).toContain('→ Sign in to account')
    expect(human.stdout).toContain('✗ app-2: Cost Explorer answered in EUR, not USD; fleet does not add that up as dollars.')
    expect(human.stdout).not.toMatch(/\napp-2\s+\$/)
    expect(human.stdout).toContain('⚠ lb: $9.64 month to date ($8.59 after credits) is over cost.alertUsd $1.00')

    proxy.clear()
    proxy.inject(notEnabled)
    const cron = await runFleet(['cost', '--profile', file, '--fail-over', '5', '--json'], {env})
    expect(cron.exitCode, cron.stderr).toBe(4)
    expect(cron.stderr).toContain('✗ lb: $9.64 month to date passes --fail-over $5.00')
    expect(cron.stderr).toContain('⚠ lb: $9.64 month to date')
    const out = JSON.parse(cron.stdout)
    expect(out.failOver).toEqual({limitUsd: 5, over: [{name: 'lb', totalUsd: LB_TOTAL}]})
    expect(out.accounts[1]).toMatchObject({name: 'app-1', ok: false, totalUsd: null, byUsageType: [], error: {code: 'CostExplorerNotEnabled', exitCode: 3}})
    expect(out.accounts[1].error.nextSteps.join(' ')).toMatch(/Cost Explorer/)
    expect(out.accounts[2]).toMatchObject({name: 'app-2', ok: false, totalUsd: null, error: {code: 'NonUsdCurrency'}})
    // lb and app-2 from the cache (the EUR answer was paid for too); app-1 asked again.
    expect(out).toMatchObject({ceRequests: 1, fromCache: false})
    expect(costCalls()).toHaveLength(1)

    proxy.inject({...notEnabled, message: `User: arn:aws:sts::${ids.app1}:assumed-role/FleetOperator/fleet-test is not authorized to perform: ce:GetCostAndUsage`})
    const denied = await runFleet(['cost', '--profile', file, '--fail-over', '100', '--json'], {env})
    expect(denied.exitCode, denied.stderr).toBe(3)
    const deniedOut = JSON.parse(denied.stdout)
    expect(deniedOut.failOver).toEqual({limitUsd: 100, over: []})
    expect(deniedOut.accounts[1].error).toMatchObject({code: 'CostExplorerDenied'})
    expect(deniedOut.accounts[1].error.nextSteps.join(' ')).toContain('fleet iam policy')
  })

  it('refuses bad input before asking AWS anything (exit 2)', async () => {
    const id = uniqueAccountId()
    const file = await profileFile({lb: account(id, 'lb')})
    const env = fleetEnv(proxy)
    const now = new Date()
    const next = currentMonth(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))).id
    proxy.clear()
    const cases: Array<[string[], string]> = [
      [['--month', '2026-13'], 'BadMonth'],
      [['--month', next], 'FutureMonth'],
      [['--fail-over', '-1'], 'BadFailOver'],
      [['--watch', '--interval', '0'], 'BadInterval'],
      [['--interval', '30s'], 'IntervalWithoutWatch'],
      [['--watch', '--fail-over', '5'], 'FailOverWithWatch'],
    ]
    for (const [args, code] of cases) {
      const run = await runFleet(['cost', '--profile', file, '--json', ...args], {env})
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(2)
      expect(JSON.parse(run.stdout).error, args.join(' ')).toMatchObject({code, exitCode: 2})
    }
    expect(proxy.records).toEqual([])
  })
})

describe('fleet cost --watch', () => {
  const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId()}
  const instanceIds: Record<string, string> = {}
  let file: string

  /** NetworkIn/NetworkOut of an instance, in the last whole 5-minute period, as EC2's basic monitoring puts them. */
  async function putTraffic(accountId: string, instanceId: string, bytesIn: number, bytesOut: number) {
    const cw = new CloudWatchClient({endpoint: moto.endpoint, region: 'ap-northeast-2', credentials: await roleCredentials(moto, accountId)})
    const at = new Date(Math.floor(Date.now() / 300_000) * 300_000 - 150_000)
    const datum = (MetricName: string, Value: number) => ({MetricName, Value, Unit: 'Bytes' as const, Timestamp: at, Dimensions: [{Name: 'InstanceId', Value: instanceId}]})
    await cw.send(new PutMetricDataCommand({Namespace: 'AWS/EC2', MetricData: [datum('NetworkIn', bytesIn), datum('NetworkOut', bytesOut)]}))
    cw.destroy()
  }

  beforeAll(async () => {
    for (const [key, tag] of [['lb', 'lb'], ['app1', 'app']] as const) {
      instanceIds[key] = (await seedAccount(moto, {accountId: ids[key], instances: [{tags: {fleet: tag}}]})).instanceIds[0]!
      await queueCostResults(proxy, ids[key], key === 'lb' ? lbPages() : appPages())
    }
    await putTraffic(ids.lb, instanceIds.lb!, 1.5e9, 2.5e8)
    await putTraffic(ids.app1, instanceIds.app1!, 2e8, 1e9)
    // app-2 has no fleet instance: the watch says so and goes on.
    file = await profileFile({lb: account(ids.lb, 'lb'), 'app-1': account(ids.app1, 'app'), 'app-2': account(ids.app2, 'app')})
  })

  const lines = (text: string) => text.split('\n').filter((l) => l.includes('traffic (last 5 min'))

  it('without a TTY prints the table once, then one line per refresh, until Ctrl-C ends it with exit 0', async () => {
    const env: FleetEnv = fleetEnv(proxy)
    proxy.clear()
    const fleet = startFleet(['cost', '--profile', file, '--watch', '--interval', '1s'], {env})
    await fleet.waitForOutput(/(traffic \(last 5 min[^\n]*\n[^]*){3}/)
    fleet.kill('SIGINT')
    const run = await fleet.done
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stderr).not.toContain('Interrupted')
    expect(run.stdout.match(/Cost \d{4}-\d{2} \(UTC\), month to date/g)).toHaveLength(1)
    const refreshes = lines(run.stdout)
    expect(refreshes.length).toBeGreaterThanOrEqual(3)
    for (const line of refreshes) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ traffic \(last 5 min, upper bound of inter-EC2 transfer\): /)
      expect(line).toContain('lb in 1.50 GB out 250.0 MB ~$0.02 · app-1 in 200.0 MB out 1.00 GB ~$0.01 · app-2 ERROR InstanceNotFound · total ~$0.03 · 4 CloudWatch metrics')
    }
    // One GetMetricData per account per refresh, in the account's region; Cost Explorer asked once per account, before the watch.
    for (const id of [ids.lb, ids.app1]) {
      const calls = proxy.requests({action: 'GetMetricData', accountId: id})
      expect(calls.length).toBeGreaterThanOrEqual(refreshes.length)
      expect(calls.length).toBeLessThanOrEqual(refreshes.length + 1)
      for (const r of calls) expect([r.service, r.region]).toEqual(['monitoring', 'ap-northeast-2'])
    }
    expect(proxy.count({action: 'GetMetricData', accountId: ids.app2})).toBe(0)
    expect(costCalls(ids.lb)).toHaveLength(2)
    expect(costCalls(ids.app1)).toHaveLength(1)
  })

  it('with --json prints one JSON document per line per refresh, Cost Explorer from its cache', async () => {
    const env: FleetEnv = fleetEnv(proxy)
    // Fills the cache (app-2 has no answer queued: moto answers with no results, $0.00).
    const prime = await runFleet(['cost', '--profile', file], {env})
    expect(prime.exitCode, prime.stderr).toBe(0)
    proxy.clear()
    const fleet = startFleet(['cost', '--profile', file, '--watch', '--json', '--interval', '1s'], {env})
    await fleet.waitForOutput(/(\{[^\n]*\}\n){2}/)
    fleet.kill('SIGINT')
    const run = await fleet.done
    expect(run.exitCode, run.stderr).toBe(0)
    const docs = run.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(docs.length).toBeGreaterThanOrEqual(2)
    for (const doc of docs) {
      expect(doc).toMatchObject({month: currentMonth(new Date()).id, ceRequests: 0, fromCache: true})
      expect(doc.accounts.map((a: {name: string}) => a.name)).toEqual(['lb', 'app-1', 'app-2'])
      expect(doc.traffic).toMatchObject({label: 'last 5 min, upper bound of inter-EC2 transfer', metricsRequested: 4, bytesIn: 1.7e9, bytesOut: 1.25e9, usd: 0.0295})
      expect(doc.traffic.accounts[0]).toMatchObject({name: 'lb', ok: true, instanceId: instanceIds.lb, traffic: {bytesIn: 1.5e9, bytesOut: 2.5e8, usdPerGb: 0.01}})
      expect(doc.traffic.accounts[2]).toMatchObject({name: 'app-2', ok: false, instanceId: null, error: {code: 'InstanceNotFound'}})
    }
    expect(docs.map((d) => d.traffic.metricsRequestedTotal)).toEqual(docs.map((_, i) => 4 * (i + 1)))
    expect(costCalls()).toEqual([])
  })
})
