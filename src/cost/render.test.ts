import {readFileSync} from 'node:fs'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'
import {describe, expect, it} from 'vitest'

import {accountCost, costEntry, failedCostEntry} from './account.js'
import {parseMonth} from './month.js'
import {costQuery} from './query.js'
import {ceRequestsLine, failOverLines, renderCost, renderWatch, usd, watchLine} from './render.js'
import type {TrafficRefresh} from './traffic.js'
import type {CostReport} from './types.js'
import {networkQuery, sumNetwork} from './watch.js'

const fixturePages = (name: string): GetCostAndUsageResponse[] =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.pages.json`, import.meta.url), 'utf8')) as GetCostAndUsageResponse[]

const now = new Date('2026-11-26T12:00:00Z')
const ctx = {month: parseMonth('2026-11', now), now, freeTypes: ['t2.micro', 't3.micro']}

function storyReport(): CostReport {
  return {
    month: '2026-11',
    accounts: [
      costEntry('lb', accountCost(fixturePages('lb-2026-11'), {...ctx, plan: '750-hours'})),
      costEntry('app-1', accountCost(fixturePages('app1-2026-11'), {...ctx, plan: 'credits'})),
      costEntry('app-2', accountCost(fixturePages('empty'), {...ctx, plan: '750-hours'})),
      failedCostEntry('app-3', {code: 'AccessDenied', message: 'account app-3 (333333333333): ce:GetCostAndUsage was denied (AccessDeniedException).'}),
    ],
    ceRequests: 4,
    fromCache: false,
  }
}

describe('fleet cost for people', () => {
  it('renders accounts × groups, the top usage types, free hours, alerts and the request cost', async () => {
    const text = renderCost(storyReport(), {alertUsd: 1})
    await expect(text).toMatchFileSnapshot('fixtures/golden/cost-2026-11.txt')
    expect(text).toContain('4 Cost Explorer requests, $0.04')
    expect(text).toContain('⚠ lb: $11.64 month to date ($8.59 after credits) is over cost.alertUsd $1.00')
    expect(text).toContain('lb: 412.5 of 750 free-tier hours used, 337.5 left')
    expect(text).toContain('APN2-RDS:GP2-Storage (credit)')
    expect(text).toContain('✗ app-3: account app-3 (333333333333): ce:GetCostAndUsage was denied')
    expect(text).toContain('app-2: nothing billed yet this month')
    expect(text).toContain('⚠ app-1: $3.40 month to date ($0.02 after credits)')
    expect(text).not.toContain('⚠ app-2')
  })

  it('leaves the alert out without cost.alertUsd and says when answers came from the cache', () => {
    const text = renderCost({...storyReport(), ceRequests: 0, fromCache: true})
    expect(text).not.toContain('⚠')
    expect(text).toContain('0 Cost Explorer requests, $0.00 (answers from the cache)')
  })

  it('writes dollars to the cent, tiny charges as <$0.01, and one request in the singular', () => {
    expect(usd(11.642344)).toBe('$11.64')
    expect(usd(0.000168)).toBe('<$0.01')
    expect(usd(-3.0512)).toBe('-$3.05')
    expect(usd(0)).toBe('$0.00')
    expect(ceRequestsLine(1, false)).toBe('1 Cost Explorer request, $0.01')
    expect(ceRequestsLine(2, false)).toBe('2 Cost Explorer requests, $0.02')
  })

  it('renders a --watch refresh with its label and the metrics requested', () => {
    const q = networkQuery(['i-0123456789abcdef0'], now)
    const t = sumNetwork([{Id: 'in0', Timestamps: [new Date('2026-11-26T11:50:00Z')], Values: [1.5e9]}, {Id: 'out0', Timestamps: [new Date('2026-11-26T11:50:00Z')], Values: [2.5e8]}], q, 0.01)
    const text = renderWatch(now, [{name: 'lb', traffic: t}, {name: 'app-1', traffic: null, error: 'GetMetricData was denied'}])
    expect(text).toContain('(last 5 min, upper bound of inter-EC2 transfer)')
    expect(text).toMatch(/lb\s+1\.50 GB\s+250\.0 MB\s+~\$0\.02\s+11:50Z/)
    expect(text).toContain('GetMetricData was denied')
    expect(text).toContain('2 CloudWatch metrics requested')
  })
})

describe('fleet cost for people: failures, --fail-over and --watch lines', () => {
  it('says what to do under a failed account', () => {
    const report = storyReport()
    report.accounts[3] = failedCostEntry('app-3', {code: 'CostExplorerNotEnabled', message: 'account app-3 (333333333333): Cost Explorer is not enabled in this account.', nextSteps: ['Open Cost Explorer once.']})
    expect(renderCost(report)).toContain('✗ app-3: account app-3 (333333333333): Cost Explorer is not enabled in this account.\n  → Open Cost Explorer once.')
  })

  it('names each account over --fail-over with its month to date', () => {
    const report = {...storyReport(), failOver: {limitUsd: 5, over: [{name: 'lb', totalUsd: 11.642344}]}}
    expect(failOverLines(report)).toEqual(['✗ lb: $11.64 month to date passes --fail-over $5.00'])
    expect(failOverLines(storyReport())).toEqual([])
  })

  it('puts a --watch refresh on one line: each account, the total, the metrics', () => {
    const q = networkQuery(['i-0123456789abcdef0'], now)
    const t = sumNetwork([{Id: 'in0', Timestamps: [new Date('2026-11-26T11:50:00Z')], Values: [1.5e9]}, {Id: 'out0', Timestamps: [new Date('2026-11-26T11:50:00Z')], Values: [2.5e8]}], q, 0.01)
    const refresh: TrafficRefresh = {
      at: now.toISOString(),
      label: t.label,
      accounts: [
        {name: 'lb', ok: true, error: null, instanceId: 'i-0123456789abcdef0', traffic: t},
        {name: 'app-1', ok: false, error: {code: 'AccessDenied', message: 'denied'}, instanceId: 'i-1', traffic: null},
        {name: 'app-2', ok: true, error: null, instanceId: 'i-2', traffic: sumNetwork([], networkQuery(['i-2'], now), 0.01)},
      ],
      bytesIn: 1.5e9,
      bytesOut: 2.5e8,
      gb: 1.75,
      usd: 0.0175,
      metricsRequested: 4,
    }
    expect(watchLine(refresh, 12)).toBe(
      '2026-11-26T12:00:00Z traffic (last 5 min, upper bound of inter-EC2 transfer): lb in 1.50 GB out 250.0 MB ~$0.02 · app-1 ERROR AccessDenied · app-2 no data yet · total ~$0.02 · 4 CloudWatch metrics (12 this watch, ~<$0.01)',
    )
  })
})

describe('the Cost Explorer query', () => {
  it('groups by usage type and record type in one MONTHLY request with cost and quantity', () => {
    expect(costQuery(parseMonth('2026-11', now), now)).toEqual({
      TimePeriod: {Start: '2026-11-01', End: '2026-11-27'},
      Granularity: 'MONTHLY',
      Metrics: ['UnblendedCost', 'UsageQuantity'],
      GroupBy: [{Type: 'DIMENSION', Key: 'USAGE_TYPE'}, {Type: 'DIMENSION', Key: 'RECORD_TYPE'}],
    })
  })
})
