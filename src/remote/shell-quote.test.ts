import {execFileSync} from 'node:child_process'

import {describe, expect, test} from 'vitest'

import {shellJoin, shellQuote} from './shell-quote.js'

/** What `sh` makes of a command line: one argument per line, NUL-separated. */
function shWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], {encoding: 'utf8'})
  return out.split('\0').slice(0, -1)
}

describe('shellQuote', () => {
  test('leaves plain paths readable', () => {
    expect(shellQuote('/home/ec2-user/nginx/nginx.conf')).toBe('/home/ec2-user/nginx/nginx.conf')
  })

  test.each([
    "it's",
    'a b',
    '$(rm -rf /)',
    '`id`',
    '"double"',
    'semi;colon',
    'new\nline',
    '*.conf',
    '',
    "'",
    '\\back',
    '-n',
  ])('sh reads %j back as one word, unchanged', (word) => {
    expect(shWords(shellQuote(word))).toEqual([word])
  })

  test('shellJoin keeps every word apart', () => {
    const words = ['cat', '--', "my file's name", '$HOME']
    expect(shWords(shellJoin(words))).toEqual(words)
  })
})
