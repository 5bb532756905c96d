import type {Profile} from '../profile/load.js'
import {type DesiredAccount, desiredState} from './desired.js'
import {type ActualInstance, isLeftAlone, type PlannedChange, planChanges} from './plan.js'
import {creditWarnings, type InstanceBilling, type PlanCost, planCost} from './up-cost.js'
import {type InstanceAddresses, planUpstream, type UpstreamPlan} from './up-upstream.js'

/** An instance as read now, with what the cost, credit and upstream checks use (an InstanceView fits). */
export interface ObservedInstance extends ActualInstance, InstanceAddresses, InstanceBilling {}

export interface UpPlanInput {
  arch: string
  desired: readonly DesiredAccount[]
  /** Each account's instance; null: not found, or its account failed. */
  actual: ReadonlyMap<string, ObservedInstance | null>
  /** Each account's region (for prices and commands). */
  regions: ReadonlyMap<string, string>
  freeTypes: readonly string[]
  /** nginx.address. */
  address: 'public' | 'private'
  /** The upstream's servers as they are on the LB now; null when not read. */
  upstreamNow: readonly string[] | null
}

export type PlanWarningKind = 'left-alone' | 'cpu-credits-unlimited' | 'paid-type' | 'price-unknown' | 'empty-upstream'

export interface PlanWarning {
  kind: PlanWarningKind
  account: string | null
  message: string
  /** A command that removes the cause, where there is one. */
  command?: string
}

export interface PlanCounts {
  start: number
  stop: number
  resize: number
  /** Action `none` with a wait (a transitional state settling). */
  wait: number
  leftAlone: number
}

/** Everything `fleet up` shows before it changes anything. */
export interface UpPlan {
  arch: string
  /** Per account, in profile order: the spec's plan lines (section 5), with `steps`. */
  plan: PlannedChange[]
  counts: PlanCounts
  upstream: UpstreamPlan
  cost: PlanCost
  warnings: PlanWarning[]
  /** Nothing to start, stop, resize or wait for, and the upstream (when read) already right. */
  converged: boolean
}

/** The plan of `fleet up --arch ID`. Pure. */
export function planUp(input: UpPlanInput): UpPlan {
  const plan = planChanges(input.desired, input.actual)
  const upstream = planUpstream({desired: input.desired, plan, instances: input.actual, address: input.address, before: input.upstreamNow})
  const cost = planCost(plan, input.regions, input.freeTypes)
  const counts = countActions(plan)
  const warnings = [
    ...leftAloneWarnings(plan, input.desired),
    ...creditWarnings(plan, input.actual, input.regions).map((w): PlanWarning => ({
      kind: 'cpu-credits-unlimited',
      account: w.account,
      message: `${w.account}: ${w.type} runs with unlimited CPU credits: surplus credits are billed under load. Set them to standard with:`,
      command: w.command,
    })),
    ...paidWarnings(cost),
    ...(upstream.after.length === 0 && input.desired.some((d) => d.ports.length > 0)
      ? [{kind: 'empty-upstream' as const, account: null, message: 'No app server of the architecture will be running: the upstream is left as it is (fleet never writes an empty upstream).'}]
      : []),
  ]
  const converged = plan.every((c) => c.steps.length === 0) && upstream.changed !== true
  return {arch: input.arch, plan, counts, upstream, cost, warnings, converged}
}

/** The plan's input from the profile and what was read: desired state, regions, freeTypes, nginx.address. */
export function upPlanInput(
  profile: Profile,
  arch: string,
  actual: ReadonlyMap<string, ObservedInstance | null>,
  upstreamNow: readonly string[] | null,
): UpPlanInput {
  return {
    arch,
    desired: desiredState(profile, arch),
    actual,
    regions: new Map(profile.accounts.map((a) => [a.name, a.region])),
    freeTypes: profile.data.freeTypes,
    address: profile.data.nginx?.address ?? 'public',
    upstreamNow,
  }
}

function countActions(plan: readonly PlannedChange[]): PlanCounts {
  const counts: PlanCounts = {start: 0, stop: 0, resize: 0, wait: 0, leftAlone: 0}
  for (const c of plan) {
    if (isLeftAlone(c)) counts.leftAlone++
    else if (c.action !== 'none') counts[c.action]++
    else if (c.steps.length > 0) counts.wait++
  }
  return counts
}

function leftAloneWarnings(plan: readonly PlannedChange[], desired: readonly DesiredAccount[]): PlanWarning[] {
  const serving = new Set(desired.filter((d) => d.ports.length > 0).map((d) => d.account))
  return plan.filter(isLeftAlone).map((c) => ({
    kind: 'left-alone',
    account: c.account,
    message: `${c.account}: ${c.note}${serving.has(c.account) ? '; the upstream goes without it' : ''}.`,
  }))
}

function paidWarnings(cost: PlanCost): PlanWarning[] {
  return cost.paid.map((r) =>
    r.hourlyUsd === null
      ? {kind: 'price-unknown', account: r.account, message: `${r.account}: ${r.type} is not in freeTypes and its price in ${r.region} is unknown to fleet: counted as paid.`}
      : {kind: 'paid-type', account: r.account, message: `${r.account}: ${r.type} is not in freeTypes: $${r.hourlyUsd}/h on demand in ${r.region} (prices of ${cost.pricesAsOf}).`},
  )
}
