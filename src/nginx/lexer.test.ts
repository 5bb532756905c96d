import {describe, expect, it} from 'vitest'

import {NginxSyntaxError, tokenize} from './lexer.js'
import {parseConfig} from './parser.js'

const words = (text: string): string[] => tokenize(text).map((t) => `${t.kind}:${t.value}`)

describe('tokenize', () => {
  it('keeps the offsets of every token, so the text can be rebuilt from them', () => {
    const text = 'http {\r\n\tlisten  80; # a comment\r\n\tadd_header X "a b";\r\n}'
    const tokens = tokenize(text)
    for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.raw)
    expect(tokens.map((t) => t.raw)).toEqual(['http', '{', 'listen', '80', ';', '# a comment', 'add_header', 'X', '"a b"', ';', '}'])
  })

  it('reads quotes and escapes as nginx does', () => {
    expect(words(`a "x;{}#" 'it\\'s' "q\\"q" "\\d" b\\ c;`)).toEqual([
      'word:a', 'word:x;{}#', "word:it's", 'word:q"q', 'word:\\d', 'word:b\\ c', 'semicolon:;',
    ])
  })

  it('treats # as a comment only at the start of a token', () => {
    expect(words('add_header X a#b; #c d;\nx;')).toEqual(['word:add_header', 'word:X', 'word:a#b', 'semicolon:;', 'comment:#c d;', 'word:x', 'semicolon:;'])
  })

  it('keeps ${var} inside a word and a } inside a word, like nginx', () => {
    expect(words('return 200 ${msec}x;')).toEqual(['word:return', 'word:200', 'word:${msec}x', 'semicolon:;'])
    expect(words('events {}')).toEqual(['word:events', 'open:{', 'close:}'])
  })

  it('ends a comment before a CRLF break', () => {
    const [comment] = tokenize('# one\r\nx;')
    expect(comment).toMatchObject({kind: 'comment', raw: '# one', end: 5})
  })

  it('says where a quote is not closed, or is followed by junk', () => {
    expect(() => tokenize('a;\nb "open;')).toThrow(expect.objectContaining({line: 2, column: 3, code: 'NginxConfigSyntax'}))
    expect(() => tokenize('a "x"y;')).toThrow(/unexpected "y" after a quoted string/)
    expect(() => tokenize('if ($a = "x") {}')).not.toThrow()
  })
})

describe('parseConfig', () => {
  it('builds blocks with their directives, arguments and trailing comments', () => {
    const parsed = parseConfig('events {\n  worker_connections 1024; # fleet\n}\nhttp { server { listen 80; } } # end\n')
    const [events, http] = parsed.root.children
    expect(events!.block!.children[0]).toMatchObject({name: 'worker_connections', comment: {raw: '# fleet'}})
    expect(events!.block!.children[0]!.args.map((a) => a.value)).toEqual(['1024'])
    expect(http!.comment?.raw).toBe('# end')
    expect(http!.block!.children[0]!.block!.children[0]!.parent.owner!.name).toBe('server')
    expect(parsed.text.slice(http!.start, http!.end)).toBe('http { server { listen 80; } }')
  })

  it('does not take a comment on the next line as a trailing comment', () => {
    const parsed = parseConfig('a 1;\n# note\nb 2;')
    expect(parsed.root.children[0]!.comment).toBeNull()
  })

  it('refuses what nginx refuses, with line and column', () => {
    const cases: Array<[string, RegExp]> = [
      ['http {\n  listen 80;\n', /:3:1: unexpected end of file: the "http" block is not closed/],
      ['a 1;\n}', /:2:1: unexpected "}"/],
      ['a 1', /unexpected end of file, expecting ";" or "}"/],
      ['http { listen 80 }', /lacks its ";"/],
      [';', /unexpected ";"/],
      ['{ a; }', /unexpected "{"/],
    ]
    for (const [text, message] of cases) {
      expect(() => parseConfig(text, 'nginx.conf'), text).toThrow(message)
      expect(() => parseConfig(text), text).toThrow(NginxSyntaxError)
    }
  })
})
