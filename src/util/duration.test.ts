import {describe, expect, it} from 'vitest'

import {formatDuration, parseDuration} from './duration.js'

describe('parseDuration', () => {
  it('reads the forms people write', () => {
    expect(parseDuration('90s', '--x')).toBe(90_000)
    expect(parseDuration('10m', '--x')).toBe(600_000)
    expect(parseDuration('2h30m', '--x')).toBe(9_000_000)
    expect(parseDuration('45', '--x')).toBe(45_000)
    expect(parseDuration('250ms', '--x')).toBe(250)
  })

  it('refuses zero, garbage and too much, naming the flag (exit 2)', () => {
    expect(() => parseDuration('0', '--ttl')).toThrow(expect.objectContaining({code: 'BadDuration', exitCode: 2, message: '--ttl must be more than zero, not "0".'}))
    expect(() => parseDuration('abc', '--ttl')).toThrow(/--ttl "abc" is not a duration/)
    expect(() => parseDuration('3h 2', '--ttl')).toThrow(/not a duration/)
    expect(() => parseDuration('400d', '--ttl', {maxMs: 7 * 86_400_000, why: 'a week'})).toThrow('--ttl 400d is more than the 7d fleet allows: a week.')
    expect(parseDuration('0', '--x', {allowZero: true})).toBe(0)
  })
})

describe('formatDuration', () => {
  it('writes the largest units first', () => {
    expect(formatDuration(9_000_000)).toBe('2h30m')
    expect(formatDuration(0)).toBe('0s')
  })
})
