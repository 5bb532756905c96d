import type {AwsProvider} from '../aws/provider.js'
import type {ErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {Profile} from '../profile/load.js'
import {fanOut} from '../util/fan-out.js'
import {round6} from './month.js'
import {networkQuery, regionalTransferUsdPerGb, sumNetwork, type TrafficEstimate, WATCH_LABEL} from './watch.js'

/** One account in a `--watch` refresh. */
export interface AccountTraffic {
  name: string
  ok: boolean
  error: ErrorInfo | null
  instanceId: string | null
  /** null when the account failed. */
  traffic: TrafficEstimate | null
}

/** One `--watch` refresh: the fleet's traffic in the newest 5-minute period CloudWatch has. */
export interface TrafficRefresh {
  at: string
  label: typeof WATCH_LABEL
  accounts: AccountTraffic[]
  bytesIn: number
  bytesOut: number
  gb: number
  /** Estimated at each region's inter-EC2 rate, in each direction: an upper bound. */
  usd: number
  /** Metrics asked of CloudWatch in this refresh (GetMetricData is billed per metric). */
  metricsRequested: number
}

export interface TrafficDeps {
  provider: Pick<AwsProvider, 'forAccount'>
  concurrency: number
}

/**
 * Reads the fleet instances' NetworkIn/NetworkOut from CloudWatch: one
 * GetMetricData request per account (in its own region, through its role),
 * summed in fleet. An account whose instance could not be read, or whose
 * request fails, gets its error; the others are shown.
 */
export async function readTraffic(
  profile: Profile,
  deps: TrafficDeps,
  instances: FleetInstances,
  options: {now: Date; signal?: AbortSignal},
): Promise<TrafficRefresh> {
  const read = (name: string) => instances.get(name)?.instance ?? null
  const asked = profile.accounts.filter((a) => read(a.name))
  const outcomes = await fanOut(asked, deps.concurrency, async (account) => {
    const query = networkQuery([read(account.name)!.id], options.now)
    const cloudwatch = await (await deps.provider.forAccount(account)).cloudwatch()
    const results = await cloudwatch.getMetricData(query.input, {signal: options.signal})
    return sumNetwork(results, query, regionalTransferUsdPerGb(account.region))
  })
  const byName = new Map(asked.map((a, i) => [a.name, outcomes[i]!]))
  const accounts = profile.accounts.map(({name}): AccountTraffic => {
    const o = byName.get(name)
    const instanceId = read(name)?.id ?? null
    if (!o) return {name, ok: false, error: instances.get(name)?.error ?? {code: 'InstanceNotRead', message: `${name}: its instance was not read.`}, instanceId, traffic: null}
    return o.ok ? {name, ok: true, error: null, instanceId, traffic: o.value} : {name, ok: false, error: o.error, instanceId, traffic: null}
  })
  const sum = (pick: (t: TrafficEstimate) => number) => accounts.reduce((s, a) => s + (a.traffic ? pick(a.traffic) : 0), 0)
  return {
    at: options.now.toISOString(),
    label: WATCH_LABEL,
    accounts,
    bytesIn: sum((t) => t.bytesIn),
    bytesOut: sum((t) => t.bytesOut),
    gb: round6(sum((t) => t.gb)),
    usd: round6(sum((t) => t.usd)),
    metricsRequested: sum((t) => t.metricsRequested),
  }
}
