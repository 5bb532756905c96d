import {describe, expect, test} from 'vitest'

import {scanEnv} from './scan.js'

const read = (text: string) => scanEnv(text).map((s) => ({key: s.key, value: s.value, commented: s.comment !== null, quote: s.quote}))

describe('scanEnv reads statements as docker compose does', () => {
  test.each([
    ['KEY=value', 'value'],
    ['export KEY=value', 'value'],
    ['KEY = value', 'value'],
    ['  KEY=value  ', 'value'],
    ['KEY=value # comment', 'value'],
    ['KEY=value#not-a-comment', 'value#not-a-comment'],
    ['KEY=a b c', 'a b c'],
    ["KEY='a $b # c' # comment", 'a $b # c'],
    ['KEY="a \\"b\\" \\\\ \\$c\\n"', 'a "b" \\ $c\n'],
    ["KEY='it\\'s'", "it's"],
    ['KEY="x" # c', 'x'],
    ['KEY: value', 'value'],
    ['KEY=', ''],
    ['KEY=\r', ''],
  ])('Given the line %j, When scanned, Then KEY holds %j', (line, value) => {
    expect(read(line)).toEqual([expect.objectContaining({key: 'KEY', value, commented: false})])
  })

  test('Given lines that are no statements, When scanned, Then nothing is found', () => {
    expect(read('# a comment\n\n   \nKEY\nnot a statement\n=value\n##KEY=x\n')).toEqual([])
  })

  test('Given commented-out statements, When scanned, Then they are found with their # marker', () => {
    const text = '#A=1\n# B=2\n#\texport C=3\n  #  D="4"\n'
    expect(read(text).map((s) => [s.key, s.value, s.commented])).toEqual([
      ['A', '1', true],
      ['B', '2', true],
      ['C', '3', true],
      ['D', '4', true],
    ])
    const [, b] = scanEnv(text)
    expect(text.slice(b!.comment!.start, b!.comment!.end)).toBe('# ')
  })

  test('Given a quoted value over several lines, When scanned, Then lines inside it are no statements', () => {
    const statements = scanEnv('CERT="line 1\nDB_URL=inside\n"\nDB_URL=outside\n')
    expect(statements.map((s) => [s.key, s.line, s.problem])).toEqual([
      ['CERT', 1, 'multiline'],
      ['DB_URL', 4, null],
    ])
  })

  test('Given an unterminated quote, When scanned, Then the statement is flagged and the next lines are still read', () => {
    expect(scanEnv('A="open\nB=2\n').map((s) => [s.key, s.problem])).toEqual([
      ['A', 'unterminated'],
      ['B', null],
    ])
  })

  test('Given a BOM and CRLF, When scanned, Then the BOM and CR are no part of key or value', () => {
    const text = '\uFEFFKEY=value\r\nB="x"\r\n'
    const [first, second] = scanEnv(text)
    expect([first!.key, first!.value, first!.contentStart]).toEqual(['KEY', 'value', 1])
    expect(text.slice(second!.valueStart, second!.valueEnd)).toBe('"x"')
  })
})
