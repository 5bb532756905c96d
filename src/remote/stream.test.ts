import {describe, expect, test} from 'vitest'

import {LineSplitter} from './stream.js'

function split(chunks: Buffer[]): string[] {
  const lines: string[] = []
  const splitter = new LineSplitter((line) => lines.push(line))
  for (const chunk of chunks) splitter.push(chunk)
  splitter.end()
  return lines
}

describe('LineSplitter', () => {
  test('joins lines split across chunks and keeps the last partial line', () => {
    expect(split([Buffer.from('one\ntw'), Buffer.from('o\nthree')])).toEqual(['one', 'two', 'three'])
  })

  test('drops the CR of CRLF line endings (PTY output) but keeps empty lines', () => {
    expect(split([Buffer.from('a\r\n\r\nb\r'), Buffer.from('\n')])).toEqual(['a', '', 'b'])
  })

  test('does not break a UTF-8 character split between chunks', () => {
    const bytes = Buffer.from('주차 ok\n')
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['주차 ok'])
  })
})
