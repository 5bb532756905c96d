import type {GetCostAndUsageResponse, GroupDefinition} from '@aws-sdk/client-cost-explorer'

import {ExternalError} from '../errors.js'
import {round6} from './month.js'
import {COST_GROUPS, type CostGroup, type CostPeriod, type UsageLine} from './types.js'
import {classifyUsageType, parseUsageType} from './usage-types.js'

/** Cost Explorer answered in another currency: fleet never adds that up as dollars. */
export class NonUsdCurrencyError extends ExternalError {
  constructor(readonly currencies: string[]) {
    super('NonUsdCurrency', `Cost Explorer answered in ${currencies.join(', ')}, not USD; fleet does not add that up as dollars.`, {
      nextSteps: ['Look at this account in the Billing console; fleet reports accounts billed in USD only.'],
    })
  }
}

/** A Cost Explorer answer fleet cannot read (an amount that is not a number). */
export class UnreadableCostError extends ExternalError {}

/** The pages of one GetCostAndUsage answer, added up. */
export interface RollUp {
  totalUsd: number
  creditsUsd: number
  netUsd: number
  byUsageType: UsageLine[]
  byGroup: Record<CostGroup, number>
  periods: CostPeriod[]
  /** Every period has `Estimated: false` (and there is at least one). */
  final: boolean
}

/** The record type kept apart from the charges rather than netted into them. */
export const CREDIT_RECORD_TYPE = 'Credit'

interface Row {
  usageType: string
  recordType: string
  usd: number
  quantity: number
  unit: string | null
}

function amount(raw: string | undefined, what: string): number {
  if (raw === undefined || raw === '') return 0
  const n = Number(raw)
  if (!Number.isFinite(n)) throw new UnreadableCostError('UnreadableCostAnswer', `Cost Explorer sent ${what} ${JSON.stringify(raw)}, not a number.`)
  return n
}

function keyIndex(definitions: GroupDefinition[] | undefined, key: string, fallback: number): number {
  const i = (definitions ?? []).findIndex((d) => d.Key === key)
  return i >= 0 ? i : fallback
}

/** Every currency other than USD the pages' amounts are in. */
export function foreignCurrencies(pages: readonly GetCostAndUsageResponse[]): string[] {
  const found = new Set<string>()
  for (const page of pages) {
    for (const period of page.ResultsByTime ?? []) {
      const units = [period.Total?.UnblendedCost?.Unit, ...(period.Groups ?? []).map((g) => g.Metrics?.UnblendedCost?.Unit)]
      for (const unit of units) if (unit !== undefined && unit !== 'USD') found.add(unit)
    }
  }
  return [...found].sort()
}

function rowsOf(pages: readonly GetCostAndUsageResponse[]): Row[] {
  const rows: Row[] = []
  for (const page of pages) {
    const ut = keyIndex(page.GroupDefinitions, 'USAGE_TYPE', 0)
    const rt = keyIndex(page.GroupDefinitions, 'RECORD_TYPE', 1)
    for (const period of page.ResultsByTime ?? []) {
      for (const group of period.Groups ?? []) {
        const cost = group.Metrics?.UnblendedCost
        const qty = group.Metrics?.UsageQuantity
        rows.push({
          usageType: group.Keys?.[ut] ?? '',
          recordType: group.Keys?.[rt] ?? 'Usage',
          usd: amount(cost?.Amount, 'a cost of'),
          quantity: amount(qty?.Amount, 'a quantity of'),
          unit: qty?.Unit && qty.Unit !== 'N/A' ? qty.Unit : null,
        })
      }
    }
  }
  return rows
}

function periodsOf(pages: readonly GetCostAndUsageResponse[]): CostPeriod[] {
  const byKey = new Map<string, CostPeriod>()
  for (const page of pages) {
    for (const period of page.ResultsByTime ?? []) {
      const start = period.TimePeriod?.Start ?? ''
      const end = period.TimePeriod?.End ?? ''
      const known = byKey.get(`${start}/${end}`)
      // A period is estimated if any page says so.
      byKey.set(`${start}/${end}`, {start, end, estimated: (known?.estimated ?? false) || period.Estimated !== false})
    }
  }
  return [...byKey.values()].sort((a, b) => a.start.localeCompare(b.start))
}

function merge(rows: Row[]): UsageLine[] {
  const lines = new Map<string, UsageLine>()
  for (const r of rows) {
    const key = `${r.usageType}\u0000${r.recordType}\u0000${r.unit ?? ''}`
    const line = lines.get(key)
    if (line) {
      line.usd += r.usd
      line.quantity += r.quantity
      continue
    }
    const {region} = parseUsageType(r.usageType)
    lines.set(key, {group: classifyUsageType(r.usageType), usageType: r.usageType, usd: r.usd, quantity: r.quantity, unit: r.unit, recordType: r.recordType, region})
  }
  return [...lines.values()].map((l) => ({...l, usd: round6(l.usd), quantity: round6(l.quantity)}))
}

// Charges first, dearest first; then the credits, largest first.
function byCost(a: UsageLine, b: UsageLine): number {
  const ac = a.recordType === CREDIT_RECORD_TYPE
  const bc = b.recordType === CREDIT_RECORD_TYPE
  if (ac !== bc) return ac ? 1 : -1
  const diff = ac ? a.usd - b.usd : b.usd - a.usd
  return diff !== 0 ? diff : a.usageType.localeCompare(b.usageType) || a.recordType.localeCompare(b.recordType)
}

/** Zero for every group. */
export function emptyGroups(): Record<CostGroup, number> {
  return Object.fromEntries(COST_GROUPS.map((g) => [g, 0])) as Record<CostGroup, number>
}

/**
 * Adds up the pages of one GetCostAndUsage answer (their ResultsByTime in
 * any order, periods repeated across pages). Credits stay their own lines and
 * their own total. An answer without groups adds up to zero. Throws
 * NonUsdCurrencyError when any amount is not in USD.
 */
export function rollUp(pages: readonly GetCostAndUsageResponse[]): RollUp {
  const foreign = foreignCurrencies(pages)
  if (foreign.length > 0) throw new NonUsdCurrencyError(foreign)
  const byUsageType = merge(rowsOf(pages)).sort(byCost)
  const byGroup = emptyGroups()
  let total = 0
  let credits = 0
  for (const line of byUsageType) {
    if (line.recordType === CREDIT_RECORD_TYPE) {
      credits += line.usd
      continue
    }
    total += line.usd
    byGroup[line.group] = round6(byGroup[line.group] + line.usd)
  }
  const periods = periodsOf(pages)
  return {
    totalUsd: round6(total),
    creditsUsd: round6(credits),
    netUsd: round6(total + credits),
    byUsageType,
    byGroup,
    periods,
    final: periods.length > 0 && periods.every((p) => !p.estimated),
  }
}
