import {describe, expect, it} from 'vitest'

import {durationMs, formatDuration, parseDuration} from './duration.js'

describe('durations on the command line', () => {
  it('reads seconds, minutes, hours, days, milliseconds and their sums; a bare number is seconds', () => {
    expect(durationMs('60s')).toBe(60_000)
    expect(durationMs('5m')).toBe(300_000)
    expect(durationMs('1h30m')).toBe(5_400_000)
    expect(durationMs('1m30s')).toBe(90_000)
    expect(durationMs('500ms')).toBe(500)
    expect(durationMs('90')).toBe(90_000)
    expect(durationMs('1.5s')).toBe(1500)
    expect(durationMs('1d')).toBe(86_400_000)
    expect(durationMs(' 0 ')).toBe(0)
  })

  it('says null for anything else', () => {
    for (const bad of ['', 's', '-5s', '5x', '1 m', 'm5', '5s5', 'abc', '3h 2']) expect(durationMs(bad), bad).toBeNull()
  })

  it('refuses zero, garbage and too much for a flag, naming it (exit 2)', () => {
    expect(() => parseDuration('0', '--ttl')).toThrow(expect.objectContaining({code: 'BadDuration', exitCode: 2, message: '--ttl must be more than zero, not "0".'}))
    expect(() => parseDuration('abc', '--ttl')).toThrow(/--ttl "abc" is not a duration/)
    expect(() => parseDuration('400d', '--ttl', {maxMs: 7 * 86_400_000, why: 'a week'})).toThrow('--ttl 400d is more than the 7d fleet allows: a week.')
    expect(parseDuration('0', '--x', {allowZero: true})).toBe(0)
    expect(parseDuration('2h30m', '--x')).toBe(9_000_000)
  })

  it('writes durations back the way people type them', () => {
    expect(formatDuration(60_000)).toBe('1m')
    expect(formatDuration(90_000)).toBe('1m30s')
    expect(formatDuration(3_600_000)).toBe('1h')
    expect(formatDuration(9_000_000)).toBe('2h30m')
    expect(formatDuration(1000)).toBe('1s')
    expect(formatDuration(250)).toBe('250ms')
    expect(formatDuration(0)).toBe('0s')
  })
})
