import type {DBInstance} from '@aws-sdk/client-rds'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExternalError, InterruptedError} from '../errors.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import {formatDuration} from '../util/duration.js'
import {type WaitDelays, waitDelays} from '../util/waits.js'

/** How long `rds-public` waits for AWS to apply the flag by default (AWS takes minutes; `--wait-timeout`). */
export const DEFAULT_DB_WAIT_MS = 20 * 60_000

/** States from which the DB will not reach `available` by itself soon. */
const HOPELESS = new Set(['deleting', 'failed', 'incompatible-network', 'incompatible-parameters', 'inaccessible-encryption-credentials', 'storage-full'])

export interface DbWaitOptions {
  /** The PubliclyAccessible to wait for. */
  want: boolean
  timeoutMs: number
  delays?: WaitDelays
  cancel?: Cancel
  onStep?: (label: string) => void
  /** For tests: the clock and the pause. */
  now?: () => number
  pause?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** True once the DB shows the wanted flag and is `available`: the change has applied. */
export function hasApplied(db: DBInstance, want: boolean): boolean {
  return (db.PubliclyAccessible ?? false) === want && db.DBInstanceStatus === 'available'
}

/**
 * Asks DescribeDBInstances until the DB shows `want` AND `available`. Right
 * after ModifyDBInstance AWS may still say `available` with the old flag
 * before it says `modifying` (an SDK waiter looking then returns too
 * early), so `available` alone proves nothing. Polls from the shortest to
 * the longest delay of FLEET_WAIT_MIN_DELAY/MAX_DELAY; a first Ctrl-C stops
 * the wait (the change goes on in AWS, and a re-run picks it up).
 */
export async function waitForPublicAccess(identifier: string, describe: () => Promise<DBInstance | null>, options: DbWaitOptions): Promise<DBInstance> {
  const now = options.now ?? Date.now
  const cancel = options.cancel ?? uninterruptible
  const pause = options.pause ?? ((ms, signal) => sleep(ms, undefined, {signal}).catch(() => {}))
  const {minDelaySeconds, maxDelaySeconds} = options.delays ?? waitDelays()
  const started = now()
  let delayMs = minDelaySeconds * 1000
  for (;;) {
    const db = await describe()
    if (!db) throw new ExternalError('DbGone', `DB instance ${identifier} disappeared while fleet waited for its public access to change.`)
    if (hasApplied(db, options.want)) return db
    const status = db.DBInstanceStatus ?? 'unknown'
    if (HOPELESS.has(status)) {
      throw new ExternalError('DbUnavailable', `DB instance ${identifier} is "${status}": its public access cannot change now.`, {
        nextSteps: ['See the DB in the RDS console (Events), then run the command again.'],
      })
    }
    const waited = now() - started
    const where = `"${status}", public access ${db.PubliclyAccessible ? 'on' : 'off'}`
    if (waited >= options.timeoutMs) {
      throw new ExternalError(
        'DbWaitTimeout',
        `DB instance ${identifier} is still ${where} after ${formatDuration(waited)}: fleet waited for public access ${options.want ? 'on' : 'off'} and "available".`,
        {nextSteps: ['Run the same command again later: it picks up where this one stopped.', 'Or wait longer with --wait-timeout (e.g. 40m).']},
      )
    }
    if (cancel.signal.aborted) {
      throw new InterruptedError('Interrupted', `Interrupted while DB instance ${identifier} was ${where}. AWS goes on applying the change; a re-run picks it up.`)
    }
    options.onStep?.(`waiting for ${identifier}: ${where} (${formatDuration(waited)})`)
    await pause(Math.min(delayMs, Math.max(0, options.timeoutMs - waited)), cancel.signal)
    delayMs = Math.min(maxDelaySeconds * 1000, delayMs * 2)
    if (cancel.signal.aborted) {
      throw new InterruptedError('Interrupted', `Interrupted while waiting for DB instance ${identifier}. AWS goes on applying the change; a re-run picks it up.`)
    }
  }
}
