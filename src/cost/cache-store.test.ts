import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {costCacheKey, type CostCacheId} from './cache.js'
import {CostCache} from './cache-store.js'
import {parseMonth} from './month.js'
import {costQuery} from './query.js'

const fixturePages = (name: string): GetCostAndUsageResponse[] =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}.pages.json`, import.meta.url), 'utf8')) as GetCostAndUsageResponse[]

const now = new Date('2026-11-26T12:00:00Z')
const hours = (h: number) => new Date(now.getTime() + h * 3_600_000)
const id = (at: Date, accountId = '111111111111'): CostCacheId => ({endpoint: 'aws', accountId, month: '2026-11', query: costQuery(parseMonth('2026-11', now), at)})

let dir: string
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'fleet-cost-cache-')), 'cache')
})
afterEach(async () => {
  await rm(join(dir, '..'), {recursive: true, force: true})
})

describe('the Cost Explorer cache on disk', () => {
  it('gives an answer back while fresh, and nothing once cost.cacheHours have passed', async () => {
    const cache = new CostCache(dir)
    expect(await cache.fresh(id(now), now, 6)).toBeNull()
    await cache.put(id(now), fixturePages('lb-2026-11'), now)
    expect((await cache.fresh(id(now), hours(5), 6))?.pages).toEqual(fixturePages('lb-2026-11'))
    expect(await cache.fresh(id(now), hours(6), 6)).toBeNull()
    expect(await cache.fresh(id(now, '222222222222'), now, 6)).toBeNull()
  })

  it('keeps one answer per endpoint, account and month: a newer query replaces the older', async () => {
    const cache = new CostCache(dir)
    await cache.put(id(now), fixturePages('lb-2026-11'), now)
    await cache.put(id(now, '222222222222'), fixturePages('empty'), now)
    // The next day the query's End moves on: the older file goes.
    await cache.put(id(hours(24)), fixturePages('lb-2026-11'), hours(24))
    expect(readdirSync(dir).sort()).toEqual([`${costCacheKey(id(now, '222222222222'))}.json`, `${costCacheKey(id(hours(24)))}.json`].sort())
  })

  it('takes a file it cannot read for a miss', async () => {
    const cache = new CostCache(dir)
    await cache.put(id(now), fixturePages('lb-2026-11'), now)
    writeFileSync(join(dir, `${costCacheKey(id(now))}.json`), '{not json')
    expect(await cache.fresh(id(now), now, 6)).toBeNull()
  })
})
