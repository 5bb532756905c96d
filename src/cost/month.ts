import {UsageError} from '../errors.js'

/*
 * Months are UTC, as Cost Explorer's are (spec section 5). Cost Explorer's
 * TimePeriod is [Start, End) in whole days: End is exclusive and must come
 * after Start.
 */

/** A calendar month in UTC. */
export interface Month {
  /** `YYYY-MM` */
  id: string
  year: number
  /** 1–12 */
  month: number
}

const HOUR_MS = 3_600_000
const MONTH_ID = /^(\d{4})-(\d{2})$/

function monthOf(year: number, month: number): Month {
  return {id: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`, year, month}
}

/** The UTC month `now` falls in. */
export function currentMonth(now: Date): Month {
  return monthOf(now.getUTCFullYear(), now.getUTCMonth() + 1)
}

/**
 * `--month YYYY-MM`, checked against `now`: absent means this month; a
 * malformed value, a month 13, or a month that has not begun is a usage error.
 */
export function parseMonth(value: string | undefined, now: Date): Month {
  if (value === undefined) return currentMonth(now)
  const m = MONTH_ID.exec(value.trim())
  const month = m ? Number(m[2]) : 0
  if (!m || month < 1 || month > 12) {
    throw new UsageError('BadMonth', `--month ${JSON.stringify(value)} is not a month: expected YYYY-MM, e.g. ${currentMonth(now).id}.`, {
      nextSteps: [`Pass a month as YYYY-MM with a month from 01 to 12, e.g. --month ${currentMonth(now).id}.`],
    })
  }
  const parsed = monthOf(Number(m[1]), month)
  if (monthStart(parsed).getTime() > now.getTime()) {
    throw new UsageError('FutureMonth', `--month ${parsed.id} has not begun yet (this UTC month is ${currentMonth(now).id}).`, {
      nextSteps: [`Pass this month or an earlier one, e.g. --month ${currentMonth(now).id}, or leave --month out.`],
    })
  }
  return parsed
}

/** 00:00 UTC on the month's first day. */
export function monthStart(month: Month): Date {
  return new Date(Date.UTC(month.year, month.month - 1, 1))
}

/** 00:00 UTC on the next month's first day (the month's exclusive end). */
export function monthEnd(month: Month): Date {
  return new Date(Date.UTC(month.year, month.month, 1))
}

export function hoursInMonth(month: Month): number {
  return (monthEnd(month).getTime() - monthStart(month).getTime()) / HOUR_MS
}

/** Hours of the month gone by at `now`, between 0 and the month's length. */
export function hoursElapsed(month: Month, now: Date): number {
  const ms = Math.min(now.getTime(), monthEnd(month).getTime()) - monthStart(month).getTime()
  return Math.max(0, ms / HOUR_MS)
}

/** True once the whole month lies before `now`. */
export function isPastMonth(month: Month, now: Date): boolean {
  return now.getTime() >= monthEnd(month).getTime()
}

const day = (d: Date): string => d.toISOString().slice(0, 10)

/**
 * Cost Explorer's TimePeriod for a month. Start is its first day. For the
 * current month End is tomorrow UTC (exclusive, so today is included, and on
 * the 1st Start never equals End, which Cost Explorer refuses); it never goes
 * past the month. For a past month End is the next month's first day.
 */
export function requestWindow(month: Month, now: Date): {Start: string; End: string} {
  const start = monthStart(month)
  if (start.getTime() > now.getTime()) {
    throw new UsageError('FutureMonth', `Month ${month.id} has not begun yet.`, {nextSteps: ['Pass this month or an earlier one.']})
  }
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
  const end = new Date(Math.min(tomorrow.getTime(), monthEnd(month).getTime()))
  return {Start: day(start), End: day(end)}
}

/**
 * The month-end projection of spec section 5: month-to-date ÷ hours elapsed
 * × hours in the month. A past month is what it cost. In the month's first
 * hour the divisor is one hour, so a few minutes do not project to infinity.
 */
export function projectUsd(monthToDateUsd: number, month: Month, now: Date): number {
  if (isPastMonth(month, now)) return monthToDateUsd
  const elapsed = Math.max(1, hoursElapsed(month, now))
  return round6((monthToDateUsd / elapsed) * hoursInMonth(month))
}

/** Rounds away binary noise from sums of Cost Explorer's decimal strings. */
export function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6
}
