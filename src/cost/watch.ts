import type {GetMetricDataInput, MetricDataQuery, MetricDataResult} from '@aws-sdk/client-cloudwatch'

import {BugError} from '../errors.js'
import {round6} from './month.js'

/*
 * `fleet cost --watch`: the fleet's instances' network bytes from CloudWatch
 * basic monitoring (AWS/EC2 NetworkIn/NetworkOut, 5-minute periods), one
 * GetMetricData request per account per refresh, one MetricStat per instance
 * and metric. The sum is made here: emulators do not evaluate metric math.
 *
 * Rate: "Data transferred 'in' to and 'out' from public or Elastic IPv4
 * address is charged at $0.01/GB in each direction", and the same across
 * Availability Zones (aws.amazon.com/ec2/pricing/on-demand/, Data Transfer
 * within the same AWS Region, as quoted 2021–2024). No region with another
 * published rate was found, so every region gets $0.01/GB until a price
 * table says otherwise. GetMetricData is billed per metric requested
 * ($0.01 per 1,000).
 */

export const WATCH_LABEL = 'last 5 min, upper bound of inter-EC2 transfer'
export const WATCH_PERIOD_SECONDS = 300
/** GetMetricData takes at most 500 queries a request. */
export const MAX_METRIC_QUERIES = 500
export const CW_USD_PER_METRIC = 0.00001
// Decimal GB: AWS's GB may be 2^30 bytes, so 10^9 keeps the estimate an upper bound.
const BYTES_PER_GB = 1e9
const LOOKBACK_PERIODS = 3

/** Regional (inter-EC2) transfer, USD per GB in each direction. */
export function regionalTransferUsdPerGb(_region: string): number {
  return 0.01
}

type Direction = 'in' | 'out'

/** The GetMetricData request of one account and what each query id stands for. */
export interface NetworkQuery {
  input: GetMetricDataInput
  /** Metrics requested (GetMetricData is billed per metric). */
  metricsRequested: number
  ids: Record<string, {instanceId: string; direction: Direction}>
}

function stat(id: string, instanceId: string, metric: 'NetworkIn' | 'NetworkOut'): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {Namespace: 'AWS/EC2', MetricName: metric, Dimensions: [{Name: 'InstanceId', Value: instanceId}]},
      Period: WATCH_PERIOD_SECONDS,
      Stat: 'Sum',
    },
    ReturnData: true,
  }
}

/**
 * The request for these instances at `now`: the last few whole 5-minute
 * periods (basic monitoring publishes late), newest first. Ids are `in0`,
 * `out0`, ... (GetMetricData wants `^[a-z][a-zA-Z0-9_]*$`). With no
 * instances there is nothing to ask: the caller makes no request.
 */
export function networkQuery(instanceIds: readonly string[], now: Date): NetworkQuery {
  if (instanceIds.length * 2 > MAX_METRIC_QUERIES) {
    throw new BugError('TooManyMetrics', `${instanceIds.length} instances need more than ${MAX_METRIC_QUERIES} metric queries in one request.`)
  }
  const periodMs = WATCH_PERIOD_SECONDS * 1000
  const end = new Date(Math.floor(now.getTime() / periodMs) * periodMs)
  const queries: MetricDataQuery[] = []
  const ids: NetworkQuery['ids'] = {}
  instanceIds.forEach((instanceId, i) => {
    queries.push(stat(`in${i}`, instanceId, 'NetworkIn'), stat(`out${i}`, instanceId, 'NetworkOut'))
    ids[`in${i}`] = {instanceId, direction: 'in'}
    ids[`out${i}`] = {instanceId, direction: 'out'}
  })
  return {
    input: {
      MetricDataQueries: queries,
      StartTime: new Date(end.getTime() - LOOKBACK_PERIODS * periodMs),
      EndTime: end,
      ScanBy: 'TimestampDescending',
    },
    metricsRequested: queries.length,
    ids,
  }
}

/** The fleet's traffic in the newest 5-minute period CloudWatch has. */
export interface TrafficEstimate {
  label: typeof WATCH_LABEL
  /** Start of the 5-minute period summed, or null when CloudWatch had none. */
  periodStart: string | null
  bytesIn: number
  bytesOut: number
  gb: number
  usd: number
  usdPerGb: number
  metricsRequested: number
  perInstance: Array<{instanceId: string; bytesIn: number; bytesOut: number}>
}

const time = (t: Date | string): number => new Date(t).getTime()

/**
 * Adds up a GetMetricData answer: for every query, its value at the newest
 * timestamp any query returned (an instance without a point there adds
 * nothing), bytes in and out, priced in each direction at `usdPerGb`.
 */
export function sumNetwork(results: readonly MetricDataResult[], query: NetworkQuery, usdPerGb: number): TrafficEstimate {
  const newest = Math.max(-Infinity, ...results.flatMap((r) => (r.Timestamps ?? []).map(time)))
  const per = new Map<string, {instanceId: string; bytesIn: number; bytesOut: number}>()
  for (const {instanceId} of Object.values(query.ids)) per.set(instanceId, {instanceId, bytesIn: 0, bytesOut: 0})
  for (const r of results) {
    const what = r.Id ? query.ids[r.Id] : undefined
    if (!what || !Number.isFinite(newest)) continue
    const i = (r.Timestamps ?? []).findIndex((t) => time(t) === newest)
    const value = i >= 0 ? (r.Values?.[i] ?? 0) : 0
    const entry = per.get(what.instanceId)!
    if (what.direction === 'in') entry.bytesIn += value
    else entry.bytesOut += value
  }
  const perInstance = [...per.values()]
  const bytesIn = perInstance.reduce((s, p) => s + p.bytesIn, 0)
  const bytesOut = perInstance.reduce((s, p) => s + p.bytesOut, 0)
  const gb = (bytesIn + bytesOut) / BYTES_PER_GB
  return {
    label: WATCH_LABEL,
    periodStart: Number.isFinite(newest) ? new Date(newest).toISOString() : null,
    bytesIn,
    bytesOut,
    gb: round6(gb),
    usd: round6(gb * usdPerGb),
    usdPerGb,
    metricsRequested: query.metricsRequested,
    perInstance,
  }
}
