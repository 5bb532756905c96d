import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {decodeEnvFile, encodeEnvFile} from './bytes.js'

describe('decodeEnvFile / encodeEnvFile', () => {
  test('Given any bytes, When decoded and encoded, Then they are the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 200}), fc.boolean(), (body, withBom) => {
        const bytes = Buffer.concat([withBom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), body])
        const {text, encoding} = decodeEnvFile(bytes)
        expect(encodeEnvFile(text, encoding).equals(bytes)).toBe(true)
      }),
    )
  })

  test('Given a UTF-8 file with a BOM, When decoded, Then the BOM is kept as U+FEFF', () => {
    expect(decodeEnvFile(Buffer.from('\uFEFFDB_URL=x\n', 'utf8'))).toEqual({text: '\uFEFFDB_URL=x\n', encoding: 'utf8'})
  })

  test('Given a latin1 file, When decoded, Then each byte is one character', () => {
    expect(decodeEnvFile(Buffer.from([0x23, 0xe9, 0x0a]))).toEqual({text: '#\u00e9\n', encoding: 'latin1'})
  })
})
