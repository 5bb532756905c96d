import {readFileSync} from 'node:fs'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'
import {describe, expect, it} from 'vitest'

import {costCacheEntry, costCacheKey, costEndpoint, type CostCacheId, isFinalAnswer, isFresh, readCostCacheEntry} from './cache.js'
import {parseMonth} from './month.js'
import {costQuery} from './query.js'

const fixturePages = (name: string): GetCostAndUsageResponse[] =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.pages.json`, import.meta.url), 'utf8')) as GetCostAndUsageResponse[]

const now = new Date('2026-11-26T12:00:00Z')
const id = (over: Partial<CostCacheId> = {}): CostCacheId => ({
  endpoint: 'aws',
  accountId: '111111111111',
  month: '2026-11',
  query: costQuery(parseMonth('2026-11', now), now),
  ...over,
})
const hours = (h: number): Date => new Date(now.getTime() + h * 3_600_000)

describe('the Cost Explorer cache', () => {
  it('keys by endpoint, account, month and query, safe as a file name', () => {
    const key = costCacheKey(id())
    expect(key).toMatch(/^aws__111111111111__2026-11__[0-9a-f]{16}$/)
    expect(costCacheKey(id({endpoint: 'http://127.0.0.1:5000'}))).toMatch(/^127\.0\.0\.1_5000__111111111111__2026-11__/)
    expect(costCacheKey(id({accountId: '222222222222'}))).not.toBe(key)
    expect(costCacheKey(id({query: costQuery(parseMonth('2026-11', now), hours(24))}))).not.toBe(key)
  })

  it('ignores key order and the page token in the query', () => {
    const {TimePeriod, Granularity, Metrics, GroupBy} = id().query
    expect(costCacheKey(id({query: {GroupBy, Metrics, Granularity, TimePeriod}}))).toBe(costCacheKey(id()))
    expect(costCacheKey(id({query: {...id().query, NextPageToken: 'abc'}}))).toBe(costCacheKey(id()))
  })

  it('names the endpoint from the SDK\'s variables, else aws', () => {
    expect(costEndpoint({})).toBe('aws')
    expect(costEndpoint({AWS_ENDPOINT_URL: 'http://127.0.0.1:5000'})).toBe('http://127.0.0.1:5000')
    expect(costEndpoint({AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_COST_EXPLORER: 'http://b'})).toBe('http://b')
  })

  it('stores the raw pages as JSON, without the SDK\'s $metadata, and reads them back', () => {
    const pages = fixturePages('lb-2026-11').map((p) => ({...p, $metadata: {httpStatusCode: 200}}))
    const entry = costCacheEntry(id(), pages, now)
    const json = JSON.parse(JSON.stringify(entry)) as unknown
    expect(entry.pages[0]).not.toHaveProperty('$metadata')
    expect(entry.pages).toEqual(fixturePages('lb-2026-11'))
    expect(readCostCacheEntry(json, entry.key)).toEqual(entry)
    expect(readCostCacheEntry(json, 'another-key')).toBeNull()
    expect(readCostCacheEntry({...entry, version: 0}, entry.key)).toBeNull()
    expect(readCostCacheEntry({...entry, pages: 'x'}, entry.key)).toBeNull()
    expect(readCostCacheEntry('garbage', entry.key)).toBeNull()
  })

  it('keeps an estimated month for cost.cacheHours, 0 meaning never', () => {
    const entry = costCacheEntry(id(), fixturePages('lb-2026-11'), now)
    expect(isFresh(entry, hours(5.9), 6)).toBe(true)
    expect(isFresh(entry, hours(6), 6)).toBe(false)
    expect(isFresh(entry, now, 0)).toBe(false)
    expect(isFresh(entry, hours(-1), 6)).toBe(false)
  })

  it('keeps a month whose every period is final for good', () => {
    const entry = costCacheEntry(id({month: '2026-10'}), fixturePages('lb-2026-10.final'), now)
    expect(isFinalAnswer(entry.pages)).toBe(true)
    expect(isFresh(entry, hours(24 * 400), 6)).toBe(true)
    expect(isFinalAnswer(fixturePages('empty'))).toBe(false)
    expect(isFinalAnswer([])).toBe(false)
  })
})
