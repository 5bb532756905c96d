import {EC2_PRICES_AS_OF, hourlyPriceUsd} from '../cost/ec2-prices.js'
import {isLeftAlone, type PlannedChange} from './plan.js'

export type CpuCredits = 'standard' | 'unlimited'

/** What the cost and credit checks need of an instance beyond its state and type. */
export interface InstanceBilling {
  id?: string | null
  /** The instance's credit specification; null or absent: not read (or not burstable). */
  cpuCredits?: CpuCredits | null
}

/** An instance the run leaves running, and what it costs. */
export interface RunningCost {
  account: string
  type: string
  region: string
  /** In the profile's `freeTypes`: no charge, but one free-tier instance-hour per hour. */
  free: boolean
  /** 0 when free; null when paid and not in the price table ("price unknown"). */
  hourlyUsd: number | null
  /** The run starts it (or starts it again after a resize); false when it is already running or pending. */
  startedByRun: boolean
}

export interface PlanCost {
  /** Every instance running after the run, in profile order. */
  running: RunningCost[]
  /** The paid ones (outside `freeTypes`), priced or not. */
  paid: RunningCost[]
  /** Sum of the known prices of the paid ones. */
  hourlyUsd: number
  /** Paid instances whose type has no price in the table: still paid. */
  unknownPrice: RunningCost[]
  /** Free-tier instance-hours used per hour (one per running free instance). */
  freeTierHoursPerHour: number
  /**
   * The `--allow-paid` guardrail: true when the run itself starts a paid
   * instance. A paid instance already running is shown and priced but does
   * not need the flag again (stopping an app must not need it).
   */
  needsAllowPaid: boolean
  pricesAsOf: string
}

/** A t2/t3/t3a/t4g instance with unlimited credits that will be running. */
export interface CreditWarning {
  account: string
  instanceId: string | null
  type: string
  region: string
  /** The AWS CLI command that sets the instance to standard credits. */
  command: string
}

const burstable = /^(t2|t3|t3a|t4g)\./

/** What the run leaves running costs per hour, by the static price table. Pure. */
export function planCost(plan: readonly PlannedChange[], regions: ReadonlyMap<string, string>, freeTypes: readonly string[]): PlanCost {
  const running = runningAfter(plan).map(({change, type}): RunningCost => {
    const region = regions.get(change.account) ?? ''
    const free = freeTypes.includes(type)
    const hourlyUsd = free ? 0 : hourlyPriceUsd(region, type)
    return {account: change.account, type, region, free, hourlyUsd, startedByRun: change.steps.includes('start')}
  })
  const paid = running.filter((r) => !r.free)
  return {
    running,
    paid,
    hourlyUsd: round(paid.reduce((sum, r) => sum + (r.hourlyUsd ?? 0), 0)),
    unknownPrice: paid.filter((r) => r.hourlyUsd === null),
    freeTierHoursPerHour: running.length - paid.length,
    needsAllowPaid: paid.some((r) => r.startedByRun),
    pricesAsOf: EC2_PRICES_AS_OF,
  }
}

/**
 * Burstable instances that will be running with `unlimited` credits:
 * surplus credits are billed under load, even on a free-tier type. t2 is
 * included: it can be switched to unlimited too, and then bills the same. Pure.
 */
export function creditWarnings(
  plan: readonly PlannedChange[],
  instances: ReadonlyMap<string, InstanceBilling | null>,
  regions: ReadonlyMap<string, string>,
): CreditWarning[] {
  return runningAfter(plan).flatMap(({change, type}) => {
    const instance = instances.get(change.account) ?? null
    if (instance?.cpuCredits !== 'unlimited' || !burstable.test(type)) return []
    const region = regions.get(change.account) ?? ''
    const instanceId = instance.id ?? null
    return [{account: change.account, instanceId, type, region, command: standardCreditsCommand(instanceId ?? '<instance-id>', region)}]
  })
}

/** `aws ec2 modify-instance-credit-specification` for one instance (the option is plural in the AWS CLI reference). */
export function standardCreditsCommand(instanceId: string, region: string): string {
  return `aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=${instanceId},CpuCredits=standard" --region ${region}`
}

function runningAfter(plan: readonly PlannedChange[]): Array<{change: PlannedChange; type: string}> {
  return plan.flatMap((change) => (!isLeftAlone(change) && change.to.state === 'running' && change.to.type ? [{change, type: change.to.type}] : []))
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6
