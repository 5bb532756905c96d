import {describe, expect, test} from 'vitest'

import {formatDuration, parseDuration} from './duration.js'

describe('parseDuration', () => {
  test.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, '--wait-timeout')).toBe(ms))

  test.each(['', '0', '0s', '10x', 'm', '10m junk', '-5m'])('%j is a usage error naming the flag', (text) => {
    expect(() => parseDuration(text, '--wait-timeout')).toThrow(expect.objectContaining({code: 'BadDuration', exitCode: 2, message: expect.stringContaining('--wait-timeout')}))
  })
})

test('formatDuration reads like people write it', () => {
  expect([formatDuration(4_400), formatDuration(60_000), formatDuration(150_000), formatDuration(3_900_000)]).toEqual(['4 s', '1m', '2m 30s', '1h 5m'])
})
