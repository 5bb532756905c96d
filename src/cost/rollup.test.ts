import {readFileSync} from 'node:fs'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'
import {describe, expect, it} from 'vitest'

import {ExitCode, toErrorInfo} from '../errors.js'
import {accountCost, accountsOver, costEntry, failedCostEntry, freeHours} from './account.js'
import {parseMonth} from './month.js'
import {NonUsdCurrencyError, rollUp, UnreadableCostError} from './rollup.js'

const fixturePages = (name: string): GetCostAndUsageResponse[] =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.pages.json`, import.meta.url), 'utf8')) as GetCostAndUsageResponse[]

const now = new Date('2026-11-26T12:00:00Z')
const month = parseMonth('2026-11', now)
const ctx = {month, now, freeTypes: ['t2.micro', 't3.micro'], plan: '750-hours' as const}

describe('roll-up of a GetCostAndUsage answer', () => {
  it('adds up the story\'s month over two pages, by group, credits kept apart', () => {
    const r = rollUp(fixturePages('lb-2026-11'))
    expect(r.totalUsd).toBe(11.642344)
    expect(r.creditsUsd).toBe(-3.0512)
    expect(r.netUsd).toBe(8.591144)
    expect(r.byGroup).toEqual({
      'ec2-hours': 1.0512,
      'public-ipv4': 0.5525,
      'regional-transfer': 0.23417,
      'internet-egress': 0.000168,
      rds: 9.804306,
      other: 0,
    })
    expect(r.periods).toEqual([{start: '2026-11-01', end: '2026-11-27', estimated: true}])
    expect(r.final).toBe(false)
  })

  it('lists usage types dearest first, credits last as their own lines', () => {
    const lines = rollUp(fixturePages('lb-2026-11')).byUsageType
    expect(lines[0]).toEqual({
      group: 'rds', usageType: 'APN2-InstanceUsage:db.t3.micro', usd: 7.8, quantity: 300, unit: 'Hrs', recordType: 'Usage', region: 'ap-northeast-2',
    })
    expect(lines.map((l) => l.recordType).slice(-2)).toEqual(['Credit', 'Credit'])
    expect(lines.at(-2)).toMatchObject({usageType: 'APN2-RDS:GP2-Storage', usd: -2, group: 'rds'})
    expect(lines.find((l) => l.usageType === 'APN2-BoxUsage:t2.medium' && l.recordType === 'Usage')).toMatchObject({usd: 1.0512, quantity: 18.25})
    expect(lines).toHaveLength(12)
  })

  it('gives the same result whatever the order of the pages', () => {
    const [a, b] = fixturePages('lb-2026-11')
    expect(rollUp([b!, a!])).toEqual(rollUp([a!, b!]))
  })

  it('merges a usage type split across pages of the same period', () => {
    const [page] = fixturePages('app1-2026-11')
    const half = {...page!, ResultsByTime: page!.ResultsByTime!.map((p) => ({...p, Groups: p.Groups!.slice(0, 1)}))}
    const r = rollUp([half, half])
    expect(r.byUsageType).toHaveLength(1)
    expect(r.byUsageType[0]).toMatchObject({usageType: 'BoxUsage:t2.micro', usd: 4.64, quantity: 400, region: 'us-east-1'})
  })

  it('adds an answer with no groups up to zero, not an error', () => {
    const r = rollUp(fixturePages('empty'))
    expect(r).toMatchObject({totalUsd: 0, creditsUsd: 0, netUsd: 0, byUsageType: [], final: false})
    expect(Object.values(r.byGroup).every((v) => v === 0)).toBe(true)
    expect(rollUp([])).toMatchObject({totalUsd: 0, periods: [], final: false})
  })

  it('marks a month whose every period has Estimated false as final', () => {
    const r = rollUp(fixturePages('lb-2026-10.final'))
    expect(r.final).toBe(true)
    expect(r.totalUsd).toBe(0.41)
  })

  it('refuses to add up another currency as dollars, saying which (exit 3)', () => {
    expect(() => rollUp(fixturePages('eur'))).toThrow(NonUsdCurrencyError)
    const mixed = (): unknown => rollUp([...fixturePages('lb-2026-11'), ...fixturePages('eur')])
    expect(mixed).toThrow(expect.objectContaining({code: 'NonUsdCurrency', currencies: ['EUR'], exitCode: ExitCode.external}))
    expect(toErrorInfo(new NonUsdCurrencyError(['EUR'])).message).toContain('EUR, not USD')
  })

  it('refuses an amount that is not a number', () => {
    const [page] = fixturePages('app1-2026-11')
    page!.ResultsByTime![0]!.Groups![0]!.Metrics!.UnblendedCost!.Amount = 'lots'
    expect(() => rollUp([page!])).toThrow(UnreadableCostError)
  })
})

describe('an account\'s cost', () => {
  it('projects the month to date and counts free-tier hours from BoxUsage of the free types', () => {
    const cost = accountCost(fixturePages('lb-2026-11'), ctx)
    expect(cost.projectedUsd).toBeCloseTo((11.642344 / 612) * 720, 5)
    expect(cost.freeTier).toEqual({plan: '750-hours', hoursUsed: 412.5, hoursAllowed: 750, hoursLeft: 337.5})
  })

  it('counts us-east-1\'s unprefixed BoxUsage, with no allowance on the credit plan', () => {
    const cost = accountCost(fixturePages('app1-2026-11'), {...ctx, plan: 'credits'})
    expect(cost.freeTier).toEqual({plan: 'credits', hoursUsed: 200, hoursAllowed: null, hoursLeft: null})
    expect(cost.totalUsd).toBe(3.395)
    expect(cost.netUsd).toBe(0.02)
  })

  it('counts only the free types, only usage records, and never more than the allowance left', () => {
    const line = (usageType: string, quantity: number, recordType = 'Usage') =>
      ({group: 'ec2-hours' as const, usageType, usd: 0, quantity, unit: 'Hrs', recordType, region: null})
    const lines = [line('APN2-BoxUsage:t2.micro', 500), line('EUC1-BoxUsage:t3.micro', 300), line('APN2-BoxUsage:t2.medium', 40), line('BoxUsage:t2.micro', 5, 'Credit')]
    expect(freeHours(lines, ['t2.micro', 't3.micro'], '750-hours')).toEqual({plan: '750-hours', hoursUsed: 800, hoursAllowed: 750, hoursLeft: 0})
  })

  it('makes the JSON entries of spec section 5, a failed account with null figures', () => {
    const entry = costEntry('lb', accountCost(fixturePages('lb-2026-11'), ctx))
    expect(entry).toMatchObject({name: 'lb', ok: true, error: null, totalUsd: 11.642344, creditsUsd: -3.0512, estimated: true})
    expect(Object.keys(entry.byUsageType[0]!)).toEqual(expect.arrayContaining(['group', 'usageType', 'usd', 'quantity', 'unit']))
    const failed = failedCostEntry('app-2', {code: 'AccessDenied', message: 'ce:GetCostAndUsage was denied'})
    expect(failed).toMatchObject({ok: false, totalUsd: null, projectedUsd: null, byUsageType: []})
    expect(accountsOver([entry, failed], 1)).toEqual([{name: 'lb', totalUsd: 11.642344}])
  })
})
