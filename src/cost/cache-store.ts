import {readdir, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import type {GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'
import createDebug from 'debug'

import {JsonStore} from '../state/json-store.js'
import {costCacheEntry, costCacheKey, type CostCacheEntry, type CostCacheId, isFresh, readCostCacheEntry} from './cache.js'

const debug = createDebug('fleet:cost')

/**
 * The Cost Explorer answers kept under `$FLEET_HOME/cache/`, one file per
 * endpoint, account, month and query (src/cost/cache.ts decides keys and
 * freshness). A file that cannot be read is a miss, never a failure: the
 * answer is then asked again.
 */
export class CostCache {
  private readonly store: JsonStore

  constructor(readonly dir: string) {
    this.store = new JsonStore(dir)
  }

  /** The cached answer when it may still be used at `now`, else null. */
  async fresh(id: CostCacheId, now: Date, cacheHours: number): Promise<CostCacheEntry | null> {
    const key = costCacheKey(id)
    try {
      const entry = readCostCacheEntry(await this.store.read<unknown>(key), key)
      return entry && isFresh(entry, now, cacheHours) ? entry : null
    } catch (error) {
      debug('cache %s unreadable, asking again: %s', key, (error as Error).message)
      return null
    }
  }

  /**
   * Keeps an answer just fetched. The month's older answers of the same
   * endpoint and account go: the query differs from day to day only by its
   * End (tomorrow), so an older one is never asked for again.
   */
  async put(id: CostCacheId, pages: readonly GetCostAndUsageResponse[], fetchedAt: Date): Promise<CostCacheEntry> {
    const entry = costCacheEntry(id, pages, fetchedAt)
    await this.store.write(entry.key, entry)
    const prefix = entry.key.slice(0, entry.key.lastIndexOf('__') + 2)
    const stale = (await readdir(this.dir)).filter((f) => f.startsWith(prefix) && f.endsWith('.json') && f !== `${entry.key}.json`)
    await Promise.all(stale.map((f) => unlink(join(this.dir, f)).catch(() => {})))
    return entry
  }
}
