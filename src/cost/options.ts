import {UsageError} from '../errors.js'
import {durationMs, formatDuration} from '../util/duration.js'
import {currentMonth, type Month, parseMonth} from './month.js'

/** `fleet cost`'s flags as typed. */
export interface CostFlags {
  month?: string
  refresh?: boolean
  watch?: boolean
  interval?: string
  'fail-over'?: string
}

/** What a `fleet cost` run was asked, checked before anything is called. */
export interface CostRequest {
  month: Month
  refresh: boolean
  /** null without --watch. */
  watch: {intervalMs: number} | null
  /** `--fail-over`: exit 4 when an account's month to date passes it. */
  failOverUsd: number | null
}

export const DEFAULT_INTERVAL = '60s'
const MIN_INTERVAL_MS = 1000
const MAX_INTERVAL_MS = 24 * 3_600_000

/**
 * Checks the flags against `now` (UTC months): a month that is not one or has
 * not begun, a negative or non-numeric --fail-over, an --interval that is
 * zero or not a duration, and combinations that make no sense are usage
 * errors (exit 2), found before any AWS call.
 */
export function costRequest(flags: CostFlags, now: Date): CostRequest {
  const month = parseMonth(flags.month, now)
  const failOverUsd = flags['fail-over'] === undefined ? null : parseUsd(flags['fail-over'])
  if (!flags.watch) {
    if (flags.interval !== undefined) throw new UsageError('IntervalWithoutWatch', '--interval sets how often --watch refreshes; it needs --watch.', {nextSteps: ['Add --watch, or leave --interval out.']})
    return {month, refresh: Boolean(flags.refresh), watch: null, failOverUsd}
  }
  if (failOverUsd !== null) {
    throw new UsageError('FailOverWithWatch', '--fail-over is for unattended runs (cron) and --watch runs until Ctrl-C: use one or the other.', {
      nextSteps: ['For cron: fleet cost --fail-over 5. To watch: fleet cost --watch.'],
    })
  }
  if (month.id !== currentMonth(now).id) {
    throw new UsageError('WatchPastMonth', `--watch shows live traffic, which belongs to this month (${currentMonth(now).id}), not ${month.id}.`, {
      nextSteps: [`Leave --month out with --watch, or drop --watch to see ${month.id}.`],
    })
  }
  return {month, refresh: Boolean(flags.refresh), watch: {intervalMs: parseInterval(flags.interval ?? DEFAULT_INTERVAL)}, failOverUsd}
}

function parseUsd(text: string): number {
  const m = /^\s*\$?(\d+(?:\.\d+)?)\s*$/.exec(text)
  if (/^\s*-/.test(text)) {
    throw new UsageError('BadFailOver', `--fail-over ${text.trim()} is negative: the amount is a month-to-date charge in USD, 0 or more.`, {
      nextSteps: ['Pass the month-to-date amount in USD above which fleet cost exits 4, e.g. --fail-over 5.'],
    })
  }
  if (!m) {
    throw new UsageError('BadFailOver', `--fail-over ${JSON.stringify(text)} is not an amount of dollars: expected a number of 0 or more, e.g. --fail-over 5 or --fail-over 0.50.`, {
      nextSteps: ['Pass the month-to-date amount in USD above which fleet cost exits 4, e.g. --fail-over 5.'],
    })
  }
  return Number(m[1])
}

function parseInterval(text: string): number {
  const ms = durationMs(text)
  if (ms === null || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    const why = ms === null ? 'is not a duration' : ms < MIN_INTERVAL_MS ? 'is shorter than 1s' : `is longer than ${formatDuration(MAX_INTERVAL_MS)}`
    throw new UsageError('BadInterval', `--interval ${JSON.stringify(text)} ${why}: expected e.g. 60s, 5m or 1m30s.`, {
      nextSteps: [`Pass a duration from 1s to 24h, e.g. --interval ${DEFAULT_INTERVAL} (CloudWatch's basic monitoring has one figure every 5 minutes).`],
    })
  }
  return ms
}
