import {UsageError} from '../errors.js'

// Why a hand-written lexer: the npm nginx parsers (nginx-conf,
// @webantic/nginx-config-parser, nginx-linter, prettier-plugin-nginx) turn a
// config into a tree and print it back in their own layout; none keeps the
// byte offsets of tokens and comments, which fleet needs to splice its few
// edits into the user's original text. crossplane (Python) has the right
// model; this is a small port of its lexer, checked against nginx's own
// ngx_conf_read_token for the corner cases (a `}` inside a word, `${var}`,
// what may follow a quoted string). Lua blocks are not supported.

export type TokenKind = 'word' | 'open' | 'close' | 'semicolon' | 'comment'

export interface Token {
  kind: TokenKind
  /** The token exactly as written: quotes and backslashes included. */
  raw: string
  /** What nginx sees: quotes removed, `\"` `\'` `\\` `\t` `\r` `\n` unescaped. */
  value: string
  /** Offset of the first character in the text. */
  start: number
  /** Offset just after the last character. */
  end: number
  quoted: boolean
}

/** A config nginx itself would refuse to read: exit 2, with line and column. */
export class NginxSyntaxError extends UsageError {
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly column: number,
    source?: string,
  ) {
    super('NginxConfigSyntax', `${source ?? 'nginx config'}:${line}:${column}: ${detail}`, {
      nextSteps: ['Fix the file so that `nginx -t` accepts it, then run fleet again.'],
    })
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  return {line, column: offset - lineStart + 1}
}

export function syntaxError(text: string, offset: number, detail: string, source?: string): NginxSyntaxError {
  const {line, column} = lineColumn(text, offset)
  return new NginxSyntaxError(detail, line, column, source)
}

const isSpace = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'

const ESCAPES: Record<string, string> = {'"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n'}

/** nginx's unescaping: only these six sequences; any other backslash stays. */
function unescape(body: string): string {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!
    const next = body[i + 1]
    if (ch === '\\' && next !== undefined && next in ESCAPES) {
      out += ESCAPES[next]
      i++
    } else {
      out += ch
    }
  }
  return out
}

/** Splits an nginx config into tokens, each with its offsets in `text`. */
export function tokenize(text: string, source?: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (isSpace(ch)) {
      i++
    } else if (ch === '#') {
      i = readComment(text, i, tokens)
    } else if (ch === '{' || ch === '}' || ch === ';') {
      const kind = ch === '{' ? 'open' : ch === '}' ? 'close' : 'semicolon'
      tokens.push({kind, raw: ch, value: ch, start: i, end: i + 1, quoted: false})
      i++
    } else if (ch === '"' || ch === "'") {
      i = readQuoted(text, i, tokens, source)
    } else {
      i = readWord(text, i, tokens)
    }
  }
  return tokens
}

function readComment(text: string, start: number, tokens: Token[]): number {
  let end = text.indexOf('\n', start)
  if (end === -1) end = text.length
  if (text[end - 1] === '\r') end--
  const raw = text.slice(start, end)
  tokens.push({kind: 'comment', raw, value: raw, start, end, quoted: false})
  return end
}

function readQuoted(text: string, start: number, tokens: Token[], source?: string): number {
  const quote = text[start]!
  let i = start + 1
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1
  if (i >= text.length) throw syntaxError(text, start, `unterminated ${quote} string`, source)
  const end = i + 1
  const raw = text.slice(start, end)
  tokens.push({kind: 'word', raw, value: unescape(raw.slice(1, -1)), start, end, quoted: true})
  // nginx wants a space, `;`, `{` or `)` right after a closing quote.
  const next = text[end]
  if (next !== undefined && !isSpace(next) && next !== ';' && next !== '{' && next !== ')') {
    throw syntaxError(text, end, `unexpected "${next}" after a quoted string`, source)
  }
  return end
}

function readWord(text: string, start: number, tokens: Token[]): number {
  let i = start
  while (i < text.length) {
    const ch = text[i]!
    if (isSpace(ch) || ch === ';') break
    // `${name}` is a variable, not a block.
    if (ch === '{' && (i === start || text[i - 1] !== '$')) break
    // Like nginx, a `}` inside a word is part of the word.
    i += ch === '\\' && i + 1 < text.length ? 2 : 1
  }
  const raw = text.slice(start, i)
  tokens.push({kind: 'word', raw, value: unescape(raw), start, end: i, quoted: false})
  return i
}
