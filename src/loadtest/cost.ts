/**
 * What a load-test run cost (pure): the instance-hours of each type at their
 * on-demand price (free types cost nothing but use free-tier hours), the
 * public IPv4 hours, and the transfer estimated from the LB's bytes.
 *
 * Transfer: every byte through the LB's interface is either client traffic
 * or nginx <-> app traffic. The app servers live in other accounts and are
 * reached over public IPs, so that second part is billed at the regional rate
 * on both ends (the LB's side and the app's); it is about half the LB's bytes
 * (nginx forwards what it receives), so half the bytes × 2 ends ≈ the LB's
 * bytes × the regional rate. Client traffic from outside AWS is not counted
 * (inbound is free; the answers are internet egress, which the first 100 GB
 * a month of AWS's free allowance covers).
 */
import {hourlyPriceUsd} from '../cost/ec2-prices.js'
import {PUBLIC_IPV4_HOURLY_USD} from '../cost/ipv4.js'
import {regionalTransferUsdPerGb} from '../cost/watch.js'
import type {RunCost} from './types.js'

export interface InstanceUsage {
  account: string
  type: string
  /** Hours it ran during the run (fractions count: EC2 bills Linux per second). */
  hours: number
  /** It had a public IPv4 address meanwhile (every fleet instance does). */
  publicIpv4?: boolean
  /** Its region, when not the run's. */
  region?: string
}

export interface RunCostInput {
  region: string
  freeTypes: readonly string[]
  instances: InstanceUsage[]
  /** Bytes through the LB during the run's steps. */
  lbBytes: number
}

// Decimal GB, as src/cost/watch.ts: an upper bound if AWS's GB is 2^30.
const BYTES_PER_GB = 1e9
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6

/** The run's cost, by part; an unknown price is reported, not guessed. */
export function runCost(input: RunCostInput): RunCost {
  const byType = new Map<string, RunCost['instances'][number]>()
  let freeTierHours = 0
  let ipv4Hours = 0
  for (const instance of input.instances) {
    const hours = Math.max(0, instance.hours)
    const free = input.freeTypes.includes(instance.type)
    const price = hourlyPriceUsd(instance.region ?? input.region, instance.type)
    const entry = byType.get(instance.type) ?? {type: instance.type, hours: 0, usd: 0, free, priceKnown: free || price !== null}
    entry.hours = round6(entry.hours + hours)
    entry.usd = round6(entry.usd + (free ? 0 : hours * (price ?? 0)))
    byType.set(instance.type, entry)
    if (free) freeTierHours += hours
    if (instance.publicIpv4 ?? true) ipv4Hours += hours
  }
  const instances = [...byType.values()].sort((a, b) => a.type.localeCompare(b.type))
  const bytes = Math.max(0, input.lbBytes)
  const gb = bytes / BYTES_PER_GB
  const transferUsd = round6(gb * regionalTransferUsdPerGb(input.region))
  const ipv4Usd = round6(ipv4Hours * PUBLIC_IPV4_HOURLY_USD)
  const instancesUsd = instances.reduce((sum, entry) => sum + entry.usd, 0)
  return {
    totalUsd: round6(instancesUsd + ipv4Usd + transferUsd),
    instances,
    freeTierHours: round6(freeTierHours),
    publicIpv4: {hours: round6(ipv4Hours), usd: ipv4Usd},
    transfer: {bytes, gb: round6(gb), usd: transferUsd},
  }
}
