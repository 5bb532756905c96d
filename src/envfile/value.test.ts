import {describe, expect, test} from 'vitest'

import {scanEnv} from './scan.js'
import {quoteValue} from './value.js'

/** What compose would read back from `KEY=<raw>`. */
const readBack = (raw: string) => scanEnv(`KEY=${raw}\n`)[0]?.value

describe('quoteValue', () => {
  test('Given a plain value, When quoted in a style, Then it keeps that style', () => {
    expect(quoteValue('jdbc:mysql://h:3306/db', '')).toEqual({ok: true, raw: 'jdbc:mysql://h:3306/db', quote: ''})
    expect(quoteValue('jdbc:mysql://h:3306/db', "'")).toEqual({ok: true, raw: "'jdbc:mysql://h:3306/db'", quote: "'"})
    expect(quoteValue('jdbc:mysql://h:3306/db', '"')).toEqual({ok: true, raw: '"jdbc:mysql://h:3306/db"', quote: '"'})
  })

  test('Given values compose would interpolate or cut, When quoted, Then they read back unchanged', () => {
    for (const value of ['a$b', 'a #b', 'a b', 'a"b', 'a\\b', 'x`id`', "it's", '#', '']) {
      for (const style of ['', "'", '"'] as const) {
        const quoted = quoteValue(value, style)
        expect(quoted.ok).toBe(true)
        if (quoted.ok) expect(readBack(quoted.raw)).toBe(value)
      }
    }
  })

  test('Given values no quoting keeps, When quoted, Then the reason is given', () => {
    expect(quoteValue("a'$b", '')).toMatchObject({ok: false, reason: expect.stringContaining('single quote')})
    expect(quoteValue('a b\\', '')).toMatchObject({ok: false, reason: expect.stringContaining('backslash')})
    expect(quoteValue('a\nb', '')).toMatchObject({ok: false, reason: expect.stringContaining('line break')})
  })
})
