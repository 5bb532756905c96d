import {describe, expect, it} from 'vitest'

import {unifiedDiff} from './diff.js'
import {decodeText, encodeText} from './encoding.js'

describe('unifiedDiff', () => {
  it('is empty when nothing changed', () => {
    expect(unifiedDiff('/etc/nginx/nginx.conf', 'a\n', 'a\n')).toBe('')
  })

  it('is a unified diff that names the file', () => {
    const diff = unifiedDiff('/etc/nginx/nginx.conf', 'a\nb\nc\n', 'a\nB\nc\n')
    expect(diff).toBe('--- /etc/nginx/nginx.conf\n+++ /etc/nginx/nginx.conf\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n')
  })

  it('shows a new file against an empty one', () => {
    expect(unifiedDiff('up.conf', '', 'x;\n')).toContain('@@ -0,0 +1,1 @@\n+x;\n')
  })
})

describe('decodeText / encodeText', () => {
  it('gives back the same bytes, UTF-8 or not', () => {
    for (const bytes of [Buffer.from('# caf\u00e9\r\nuser root;', 'utf8'), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a, 0x61, 0x3b])]) {
      const {text, encoding} = decodeText(bytes)
      expect(encodeText(text, encoding).equals(bytes)).toBe(true)
    }
    expect(decodeText(Buffer.from([0xff])).encoding).toBe('latin1')
  })
})
