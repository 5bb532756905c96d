import {describe, expect, it} from 'vitest'

import {UsageError} from '../errors.js'
import {costRequest} from './options.js'

const now = new Date('2026-11-26T12:00:00Z')
const usage = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as UsageError).code
  }
  throw new Error('no UsageError')
}

describe('fleet cost flags', () => {
  it('defaults to this UTC month, no refresh, no watch, no fail-over', () => {
    expect(costRequest({}, now)).toEqual({month: {id: '2026-11', year: 2026, month: 11}, refresh: false, watch: null, failOverUsd: null})
    expect(costRequest({month: '2026-10', refresh: true, 'fail-over': '5'}, now)).toMatchObject({month: {id: '2026-10'}, refresh: true, failOverUsd: 5})
    expect(costRequest({'fail-over': '$0.50'}, now).failOverUsd).toBe(0.5)
    expect(costRequest({'fail-over': '0'}, now).failOverUsd).toBe(0)
  })

  it('refuses a month that is not one, or has not begun', () => {
    expect(usage(() => costRequest({month: '2026-13'}, now))).toBe('BadMonth')
    expect(usage(() => costRequest({month: 'november'}, now))).toBe('BadMonth')
    expect(usage(() => costRequest({month: '2026-12'}, now))).toBe('FutureMonth')
  })

  it('refuses a negative or non-numeric --fail-over', () => {
    expect(usage(() => costRequest({'fail-over': '-1'}, now))).toBe('BadFailOver')
    expect(usage(() => costRequest({'fail-over': 'five'}, now))).toBe('BadFailOver')
    expect(usage(() => costRequest({'fail-over': '5 USD'}, now))).toBe('BadFailOver')
  })

  it('takes --watch every 60s by default, or every --interval from 1s to 24h', () => {
    expect(costRequest({watch: true}, now).watch).toEqual({intervalMs: 60_000})
    expect(costRequest({watch: true, interval: '30s'}, now).watch).toEqual({intervalMs: 30_000})
    for (const bad of ['0', '0s', '500ms', 'soon', '25h']) expect(usage(() => costRequest({watch: true, interval: bad}, now)), bad).toBe('BadInterval')
  })

  it('refuses --interval without --watch, --fail-over with --watch, and --watch of another month', () => {
    expect(usage(() => costRequest({interval: '30s'}, now))).toBe('IntervalWithoutWatch')
    expect(usage(() => costRequest({watch: true, 'fail-over': '5'}, now))).toBe('FailOverWithWatch')
    expect(usage(() => costRequest({watch: true, month: '2026-10'}, now))).toBe('WatchPastMonth')
    expect(costRequest({watch: true, month: '2026-11'}, now).watch).not.toBeNull()
  })
})
