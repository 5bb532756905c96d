import {describe, expect, it} from 'vitest'

import {UsageError} from '../errors.js'
import {currentMonth, hoursElapsed, hoursInMonth, parseMonth, projectUsd, requestWindow} from './month.js'

const now = new Date('2026-11-26T12:00:00Z')

describe('months', () => {
  it('takes this UTC month when --month is absent, and a valid past or current one', () => {
    expect(parseMonth(undefined, new Date('2026-11-30T23:59:59Z')).id).toBe('2026-11')
    expect(currentMonth(new Date('2026-12-01T00:00:00Z')).id).toBe('2026-12')
    expect(parseMonth('2026-11', now)).toEqual({id: '2026-11', year: 2026, month: 11})
    expect(parseMonth('2025-12', now).id).toBe('2025-12')
  })

  it.each(['2026-13', '2026-00', '2026-1', 'november', '26-11', ''])('refuses --month %j with exit 2 and what to pass', (value) => {
    const error = (() => {
      try {
        parseMonth(value, now)
      } catch (e) {
        return e
      }
    })() as UsageError
    expect(error).toBeInstanceOf(UsageError)
    expect(error.code).toBe('BadMonth')
    expect(error.exitCode).toBe(2)
    expect(error.nextSteps[0]).toContain('--month 2026-11')
  })

  it('refuses a month that has not begun', () => {
    expect(() => parseMonth('2026-12', now)).toThrow(expect.objectContaining({code: 'FutureMonth', exitCode: 2}))
    expect(() => requestWindow({id: '2027-01', year: 2027, month: 1}, now)).toThrow(UsageError)
  })

  it('asks for the current month up to tomorrow UTC, so the 1st is never Start = End', () => {
    expect(requestWindow(parseMonth('2026-11', now), now)).toEqual({Start: '2026-11-01', End: '2026-11-27'})
    const first = new Date('2026-11-01T00:30:00Z')
    expect(requestWindow(currentMonth(first), first)).toEqual({Start: '2026-11-01', End: '2026-11-02'})
    const last = new Date('2026-11-30T23:00:00Z')
    expect(requestWindow(currentMonth(last), last)).toEqual({Start: '2026-11-01', End: '2026-12-01'})
  })

  it('asks for a past month up to the next month\'s first day, across a year end', () => {
    expect(requestWindow(parseMonth('2026-10', now), now)).toEqual({Start: '2026-10-01', End: '2026-11-01'})
    expect(requestWindow(parseMonth('2025-12', now), now)).toEqual({Start: '2025-12-01', End: '2026-01-01'})
  })

  it('counts the hours of a month, leap February included', () => {
    expect(hoursInMonth(parseMonth('2026-11', now))).toBe(720)
    expect(hoursInMonth(parseMonth('2024-02', now))).toBe(696)
    expect(hoursElapsed(parseMonth('2026-11', now), now)).toBe(612)
    expect(hoursElapsed(parseMonth('2026-10', now), now)).toBe(744)
  })

  it('projects mid-month: month to date ÷ hours elapsed × hours in the month', () => {
    expect(projectUsd(6.12, parseMonth('2026-11', now), now)).toBeCloseTo(7.2, 6)
  })

  it('projects on the 1st without dividing by zero, over at least one hour', () => {
    const m = parseMonth('2026-11', now)
    expect(projectUsd(0, m, new Date('2026-11-01T00:00:00Z'))).toBe(0)
    expect(projectUsd(0.01, m, new Date('2026-11-01T00:10:00Z'))).toBeCloseTo(7.2, 6)
    expect(projectUsd(0.05, m, new Date('2026-11-01T05:00:00Z'))).toBeCloseTo(7.2, 6)
  })

  it('projects at month end to about the month to date, and a past month to exactly it', () => {
    const m = parseMonth('2026-11', now)
    expect(projectUsd(7.2, m, new Date('2026-11-30T23:59:59Z'))).toBeCloseTo(7.2, 3)
    expect(projectUsd(3.33, parseMonth('2026-10', now), now)).toBe(3.33)
  })
})
