import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'

import type {ErrorInfo} from '../errors.js'
import {type Month, projectUsd, round6} from './month.js'
import {rollUp} from './rollup.js'
import type {AccountCost, CostAccountEntry, FreeHours, UsageLine} from './types.js'
import {boxUsageType} from './usage-types.js'

/** Free-tier instance hours a month on the 750-hours plan. */
export const FREE_HOURS_PER_MONTH = 750

/**
 * Free-tier instance hours used, from the billed quantity of the usage
 * records `BoxUsage:<type>` (any region) whose type is one of `freeTypes`.
 * The allowance is shared by every free type and region: 750 hours on the
 * 750-hours plan, none (null) on the credit-based plan.
 */
export function freeHours(lines: readonly UsageLine[], freeTypes: readonly string[], plan: FreeHours['plan']): FreeHours {
  let used = 0
  for (const line of lines) {
    if (line.recordType !== 'Usage' || (line.unit !== null && line.unit !== 'Hrs')) continue
    const type = boxUsageType(line.usageType)
    if (type !== null && freeTypes.includes(type)) used += line.quantity
  }
  const hoursUsed = Math.round(used * 10) / 10
  const hoursAllowed = plan === '750-hours' ? FREE_HOURS_PER_MONTH : null
  return {plan, hoursUsed, hoursAllowed, hoursLeft: hoursAllowed === null ? null : Math.max(0, round6(hoursAllowed - hoursUsed))}
}

/** What `accountCost` needs besides the answer. */
export interface AccountCostContext {
  month: Month
  now: Date
  freeTypes: readonly string[]
  plan: FreeHours['plan']
}

/**
 * One account's figures from the pages of its GetCostAndUsage answer: the
 * roll-up, the month-end projection and the free-tier hours. Throws
 * NonUsdCurrencyError for an answer that is not in USD.
 */
export function accountCost(pages: readonly GetCostAndUsageResponse[], ctx: AccountCostContext): AccountCost {
  const r = rollUp(pages)
  return {
    totalUsd: r.totalUsd,
    creditsUsd: r.creditsUsd,
    netUsd: r.netUsd,
    projectedUsd: projectUsd(r.totalUsd, ctx.month, ctx.now),
    byUsageType: r.byUsageType,
    byGroup: r.byGroup,
    freeTier: freeHours(r.byUsageType, ctx.freeTypes, ctx.plan),
    periods: r.periods,
    final: r.final,
  }
}

/** The `cost` JSON entry of an account that answered. */
export function costEntry(name: string, cost: AccountCost): CostAccountEntry {
  return {
    name,
    ok: true,
    error: null,
    totalUsd: cost.totalUsd,
    projectedUsd: cost.projectedUsd,
    byUsageType: cost.byUsageType,
    creditsUsd: cost.creditsUsd,
    netUsd: cost.netUsd,
    byGroup: cost.byGroup,
    freeTier: cost.freeTier,
    estimated: !cost.final,
  }
}

/** The `cost` JSON entry of an account that failed: no figures, its error. */
export function failedCostEntry(name: string, error: ErrorInfo): CostAccountEntry {
  return {
    name,
    ok: false,
    error,
    totalUsd: null,
    projectedUsd: null,
    byUsageType: [],
    creditsUsd: null,
    netUsd: null,
    byGroup: null,
    freeTier: null,
    estimated: null,
  }
}

/** The accounts whose month to date passes `limitUsd` (for `cost.alertUsd` and `--fail-over`). */
export function accountsOver(entries: readonly CostAccountEntry[], limitUsd: number): Array<{name: string; totalUsd: number}> {
  return entries.flatMap((e) => (e.totalUsd !== null && e.totalUsd > limitUsd ? [{name: e.name, totalUsd: e.totalUsd}] : []))
}
