import {describe, expect, it} from 'vitest'

import {formatDuration, parseDuration} from './duration.js'

describe('durations on the command line', () => {
  it('reads seconds, minutes, hours, milliseconds and their sums; a bare number is seconds', () => {
    expect(parseDuration('60s')).toBe(60_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1m30s')).toBe(90_000)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration(' 0 ')).toBe(0)
  })

  it('says null for anything else', () => {
    for (const bad of ['', 's', '-5s', '5x', '1 m', 'm5', '5s5', 'abc']) expect(parseDuration(bad), bad).toBeNull()
  })

  it('writes durations back the way people type them', () => {
    expect(formatDuration(60_000)).toBe('1m')
    expect(formatDuration(90_000)).toBe('1m30s')
    expect(formatDuration(3_600_000)).toBe('1h')
    expect(formatDuration(1000)).toBe('1s')
    expect(formatDuration(250)).toBe('250ms')
  })
})
