import {createHash} from 'node:crypto'

import type {GetCostAndUsageRequest, GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'

/*
 * Cost Explorer bills every request, so its answers are kept under
 * $FLEET_HOME/cache/ — per endpoint, account, month and query — for
 * `cost.cacheHours`; a month whose every period is final is kept for good.
 * This file decides keys and freshness only; reading and writing are the
 * caller's.
 */

export const COST_CACHE_VERSION = 1

/** One cached answer: the raw pages as Cost Explorer sent them, and when. */
export interface CostCacheEntry {
  version: typeof COST_CACHE_VERSION
  key: string
  endpoint: string
  accountId: string
  month: string
  query: GetCostAndUsageRequest
  /** ISO time the last page arrived. */
  fetchedAt: string
  pages: GetCostAndUsageResponse[]
}

/** What identifies a cached answer. */
export interface CostCacheId {
  /** `AWS_ENDPOINT_URL` (or the Cost Explorer one), else `aws`. */
  endpoint: string
  accountId: string
  /** `YYYY-MM` */
  month: string
  /** The request without NextPageToken. */
  query: GetCostAndUsageRequest
}

/**
 * Which endpoint answers Cost Explorer: the SDK's service-specific
 * `AWS_ENDPOINT_URL_COST_EXPLORER`, then `AWS_ENDPOINT_URL`, else `aws`. An
 * emulator's answers never mix with AWS's.
 */
export function costEndpoint(env: Readonly<Record<string, string | undefined>>): string {
  return env.AWS_ENDPOINT_URL_COST_EXPLORER || env.AWS_ENDPOINT_URL || 'aws'
}

// JSON with object keys sorted, so equal queries hash equal.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const slug = (s: string): string => s.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60)

/**
 * A file-name-safe key: `<endpoint>__<account>__<YYYY-MM>__<hash>`, the hash
 * taken over the endpoint and the query (NextPageToken left out).
 */
export function costCacheKey(id: CostCacheId): string {
  const {NextPageToken: _ignored, ...query} = id.query
  const hash = createHash('sha256').update(canonical({endpoint: id.endpoint, query})).digest('hex').slice(0, 16)
  return `${slug(id.endpoint)}__${id.accountId}__${id.month}__${hash}`
}

/** The entry to store for an answer just fetched (SDK `$metadata` left out). */
export function costCacheEntry(id: CostCacheId, pages: readonly GetCostAndUsageResponse[], fetchedAt: Date): CostCacheEntry {
  const {NextPageToken: _ignored, ...query} = id.query
  return {
    version: COST_CACHE_VERSION,
    key: costCacheKey(id),
    endpoint: id.endpoint,
    accountId: id.accountId,
    month: id.month,
    query,
    fetchedAt: fetchedAt.toISOString(),
    pages: pages.map((page) => {
      const {$metadata: _meta, ...rest} = page as GetCostAndUsageResponse & {$metadata?: unknown}
      return JSON.parse(JSON.stringify(rest)) as GetCostAndUsageResponse
    }),
  }
}

/** True when the answer has periods and every one of them is final (`Estimated: false`). */
export function isFinalAnswer(pages: readonly GetCostAndUsageResponse[]): boolean {
  const periods = pages.flatMap((p) => p.ResultsByTime ?? [])
  return periods.length > 0 && periods.every((p) => p.Estimated === false)
}

/**
 * Whether a cached answer may be used at `now`: for good when final,
 * otherwise while younger than `cacheHours` (0: never). An entry from the
 * future (a clock that moved back) is not trusted.
 */
export function isFresh(entry: CostCacheEntry, now: Date, cacheHours: number): boolean {
  if (isFinalAnswer(entry.pages)) return true
  const age = now.getTime() - Date.parse(entry.fetchedAt)
  return Number.isFinite(age) && age >= 0 && age < cacheHours * 3_600_000
}

/**
 * A parsed cache file checked for shape and key; null when it is not an
 * entry of this version for this key (the caller then fetches afresh).
 */
export function readCostCacheEntry(json: unknown, key: string): CostCacheEntry | null {
  if (json === null || typeof json !== 'object') return null
  const e = json as Partial<CostCacheEntry>
  if (e.version !== COST_CACHE_VERSION || e.key !== key) return null
  if (typeof e.fetchedAt !== 'string' || Number.isNaN(Date.parse(e.fetchedAt))) return null
  if (!Array.isArray(e.pages) || e.pages.some((p) => p === null || typeof p !== 'object')) return null
  if (typeof e.accountId !== 'string' || typeof e.month !== 'string' || typeof e.endpoint !== 'string') return null
  return e as CostCacheEntry
}
