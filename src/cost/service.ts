import {setTimeout as sleep} from 'node:timers/promises'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'

import type {AwsProvider} from '../aws/provider.js'
import {toErrorInfo} from '../errors.js'
import {readInstances} from '../fleet/read-instances.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {fanOut} from '../util/fan-out.js'
import {accountCost, accountsOver, costEntry, failedCostEntry} from './account.js'
import type {CostCache} from './cache-store.js'
import {costEndpoint, type CostCacheId} from './cache.js'
import type {Month} from './month.js'
import {costQuery} from './query.js'
import {readTraffic, type TrafficRefresh} from './traffic.js'
import type {CostAccountEntry, CostReport} from './types.js'

/** Cost Explorer answers are kept this long unless the profile says otherwise (`cost.cacheHours`). */
export const DEFAULT_CACHE_HOURS = 6

export type CostProvider = Pick<AwsProvider, 'forAccount' | 'preload'>

export interface CostDeps {
  /**
   * The AWS door, opened only when an account needs asking: a run served
   * from the cache resolves no hub key and assumes no role.
   */
  aws: () => Promise<CostProvider>
  cache: CostCache
  concurrency: number
  /** For the cache key: which endpoint answers (AWS_ENDPOINT_URL...). */
  env?: NodeJS.ProcessEnv
  now?: () => Date
  onAccountDone?: (name: string) => void
}

export interface CostOptions {
  month: Month
  /** Ask Cost Explorer even when the cached answer is fresh. */
  refresh: boolean
  /** `--fail-over`: report the accounts whose month to date passes it. */
  failOverUsd?: number | null
  /** Aborting it abandons the requests under way. */
  signal?: AbortSignal
}

/** The report, and what to tell people on the side (cache files that could not be written). */
export interface CostRun {
  report: CostReport
  warnings: string[]
}

interface Answer {
  pages: readonly GetCostAndUsageResponse[]
  fetchedAt: string
  fromCache: boolean
}

/**
 * `fleet cost`: every account's month to date from Cost Explorer, through
 * its role, in parallel; each answer from the cache while fresh (one file
 * per endpoint, account, month and query), else asked and kept. An account
 * that fails (no Cost Explorer access, not enabled, another currency) gets
 * its error while the others are shown. `ceRequests` counts every request
 * sent to Cost Explorer: each page and each retry may be billed $0.01.
 */
export async function fleetCost(profile: Profile, deps: CostDeps, options: CostOptions): Promise<CostRun> {
  const clock = deps.now ?? (() => new Date())
  const now = clock()
  const cacheHours = profile.data.cost?.cacheHours ?? DEFAULT_CACHE_HOURS
  const query = costQuery(options.month, now)
  const endpoint = costEndpoint(deps.env ?? process.env)
  const idOf = (account: ResolvedAccount): CostCacheId => ({endpoint, accountId: account.accountId, month: options.month.id, query})

  const cached = await Promise.all(profile.accounts.map((a) => (options.refresh ? null : deps.cache.fresh(idOf(a), now, cacheHours))))
  const provider = cached.some((c) => c === null) ? await deps.aws() : null
  provider?.preload('ce')
  let ceRequests = 0
  const warnings: string[] = []

  const fetch = async (account: ResolvedAccount): Promise<Answer> => {
    const ce = await (await provider!.forAccount(account)).ce()
    const pages = await ce.getCostAndUsage(query, {onRequest: () => (ceRequests += 1), signal: options.signal})
    const fetchedAt = clock()
    await deps.cache.put(idOf(account), pages, fetchedAt).catch((error: Error) => {
      warnings.push(`${account.name}: the answer could not be kept in ${deps.cache.dir} (${error.message}); the next run asks again.`)
    })
    return {pages, fetchedAt: fetchedAt.toISOString(), fromCache: false}
  }

  const answers = await fanOut(profile.accounts, deps.concurrency, async (account, i): Promise<Answer> => {
    try {
      const hit = cached[i]
      return hit ? {pages: hit.pages, fetchedAt: hit.fetchedAt, fromCache: true} : await fetch(account)
    } finally {
      deps.onAccountDone?.(account.name)
    }
  })
  const accounts = profile.accounts.map((account, i): CostAccountEntry => {
    const o = answers[i]!
    return o.ok ? entryOf(profile, account, options.month, o.value) : {...failedCostEntry(account.name, o.error), fromCache: false, fetchedAt: null}
  })
  const answered = accounts.filter((a) => a.fetchedAt)
  const report: CostReport = {
    month: options.month.id,
    accounts,
    ceRequests,
    fromCache: ceRequests === 0 && answered.length > 0 && answered.every((a) => a.fromCache),
  }
  if (options.failOverUsd !== undefined && options.failOverUsd !== null) {
    report.failOver = {limitUsd: options.failOverUsd, over: accountsOver(accounts, options.failOverUsd)}
  }
  return {report, warnings}
}

/** One account's figures from its answer; an answer fleet cannot add up (another currency) is that account's error. */
function entryOf(profile: Profile, account: ResolvedAccount, month: Month, answer: Answer): CostAccountEntry {
  const seen = {fromCache: answer.fromCache, fetchedAt: answer.fetchedAt}
  try {
    // The figures are as of the answer: the projection runs to when it was fetched.
    const cost = accountCost(answer.pages, {month, now: new Date(answer.fetchedAt), freeTypes: profile.data.freeTypes, plan: account.freePlan})
    return {...costEntry(account.name, cost), ...seen}
  } catch (error) {
    return {...failedCostEntry(account.name, toErrorInfo(error)), ...seen}
  }
}

/** One `--watch` refresh: the Cost Explorer report (read once) and the traffic now. */
export interface WatchFrame {
  report: CostReport
  traffic: TrafficRefresh
  /** Metrics asked of CloudWatch since the watch began. */
  metricsRequestedTotal: number
}

export interface WatchOptions extends CostOptions {
  intervalMs: number
  /** Ctrl-C: the watch ends (the requests under way are abandoned). */
  signal: AbortSignal
  /** The Cost Explorer report, before the first traffic is read. */
  onStart?: (run: CostRun) => void
  onRefresh: (frame: WatchFrame) => void
}

/**
 * `fleet cost --watch`: Cost Explorer once (from its cache while fresh: it
 * is billed per request and lags by hours), then the fleet's traffic from
 * CloudWatch every `intervalMs` until the signal ends it. The instances are
 * read once: fleet never launches nor terminates them, so their ids hold.
 */
export async function watchCost(profile: Profile, deps: CostDeps, options: WatchOptions): Promise<void> {
  const {signal} = options
  const run = await fleetCost(profile, deps, options)
  if (signal.aborted) return
  options.onStart?.(run)
  const provider = await deps.aws()
  provider.preload('ec2', 'cloudwatch')
  const instances = await untilAborted(readInstances(profile, {provider, concurrency: deps.concurrency}), signal)
  let metricsRequestedTotal = 0
  while (instances && !signal.aborted) {
    const now = (deps.now ?? (() => new Date()))()
    const traffic = await readTraffic(profile, {provider, concurrency: deps.concurrency}, instances, {now, signal})
    if (signal.aborted) return
    metricsRequestedTotal += traffic.metricsRequested
    options.onRefresh({report: run.report, traffic, metricsRequestedTotal})
    await sleep(options.intervalMs, undefined, {signal}).catch(() => {})
  }
}

/** The work's value, or null as soon as the signal aborts (the work is left to end on its own deadline). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null)
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null)
    signal.addEventListener('abort', onAbort, {once: true})
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
