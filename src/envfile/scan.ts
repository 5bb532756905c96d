/**
 * Finds the `KEY=value` statements of a `.env` the way docker compose reads
 * them (compose-go's dotenv parser, which `.env` and `env_file:` share):
 * leading blanks, `export KEY=value`, blanks around `=` (`KEY = value`) and
 * the YAML-style `KEY: value`. compose accepts all of these, so fleet reads
 * them too: a line compose uses is never missed, and two of them are seen as
 * two. A quoted value may run over several lines, and lines inside it are no
 * statements. Statements behind one `#` (`#KEY=`, `# KEY=`) are found too,
 * on one line only. Everything else (comments, blank lines, lines compose
 * would refuse) is no statement, and is never rewritten.
 */
import type {Quote} from './types.js'
import {closingQuote, unquote} from './value.js'

/** One statement, active or commented out. Offsets index the whole text. */
export interface EnvStatement {
  key: string
  /** 1-based line where the statement starts. */
  line: number
  /** After the line's indentation (and a BOM): where a `#` goes to comment it out. */
  contentStart: number
  /** The `#` and the blanks after it, on a commented-out statement. */
  comment: {start: number; end: number} | null
  /** The value as written, quotes included. */
  valueStart: number
  valueEnd: number
  quote: Quote
  /** The value as compose reads it, before interpolation. */
  value: string
  /** A value that is not one closed single-line value; fleet does not edit it. */
  problem: 'unterminated' | 'multiline' | null
}

interface Line {
  start: number
  end: number // before the line break (`\n` or `\r\n`)
}

// compose's blanks: Go's isSpace, line breaks excepted.
const BLANK = '[\\t\\v\\f\\r \\u0085\\u00a0]'
const HEAD = new RegExp(`^(${BLANK}*)(#[\\t ]*)?(?:export[\\t ]+)?([\\p{L}\\p{N}_.\\-\\[\\]]+)${BLANK}*[=:]${BLANK}*`, 'u')
// A BOM, decoded as UTF-8 or (in a file that is not UTF-8) as latin1.
const BOM = /^(?:\uFEFF|\u00EF\u00BB\u00BF)/

/** Every statement of the text, in file order. */
export function scanEnv(text: string): EnvStatement[] {
  const lines = splitLines(text)
  const out: EnvStatement[] = []
  for (let i = 0; i < lines.length; i++) {
    const statement = readStatement(text, lines[i]!, i + 1)
    if (!statement) continue
    out.push(statement)
    // Lines inside a multi-line value are part of it, not statements.
    while (statement.problem === 'multiline' && i + 1 < lines.length && lines[i + 1]!.start < statement.valueEnd) i++
  }
  return out
}

function splitLines(text: string): Line[] {
  const lines: Line[] = []
  let start = BOM.exec(text)?.[0].length ?? 0
  for (;;) {
    const newline = text.indexOf('\n', start)
    if (newline < 0) {
      lines.push({start, end: text.length})
      return lines
    }
    lines.push({start, end: newline > start && text[newline - 1] === '\r' ? newline - 1 : newline})
    start = newline + 1
  }
}

function readStatement(text: string, line: Line, lineNumber: number): EnvStatement | null {
  const head = HEAD.exec(text.slice(line.start, line.end))
  if (!head) return null
  const [whole, indent = '', hash, key = ''] = head
  const contentStart = line.start + indent.length
  const comment = hash === undefined ? null : {start: contentStart, end: contentStart + hash.length}
  const base = {key, line: lineNumber, contentStart, comment, valueStart: line.start + whole.length}
  const quote = text[base.valueStart]
  if (quote !== "'" && quote !== '"') return {...base, ...unquoted(text, base.valueStart, line.end)}
  // A commented-out value never runs on into the next lines.
  const close = closingQuote(text, base.valueStart, comment ? line.end : text.length)
  if (close < 0) {
    if (comment) return null
    return {...base, valueEnd: line.end, quote, value: text.slice(base.valueStart, line.end), problem: 'unterminated'}
  }
  const value = unquote(text.slice(base.valueStart + 1, close), quote)
  return {...base, valueEnd: close + 1, quote, value, problem: close > line.end ? 'multiline' : null}
}

// An unquoted value ends at ` #` (an inline comment) or the line's end, trailing blanks dropped.
function unquoted(text: string, start: number, end: number): Pick<EnvStatement, 'valueEnd' | 'quote' | 'value' | 'problem'> {
  const rest = text.slice(start, end)
  const hash = rest.indexOf(' #')
  const value = (hash < 0 ? rest : rest.slice(0, hash)).replace(/[\s\u0085]+$/u, '')
  return {valueEnd: start + value.length, quote: '', value, problem: null}
}
