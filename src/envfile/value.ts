/**
 * Values as docker compose reads and fleet writes them. compose (compose-go's
 * dotenv parser) interpolates `$` in unquoted and double-quoted values, ends
 * an unquoted value at ` #`, and in a quoted value lets a backslash escape the
 * next character; older compose releases differ on `\'` inside single quotes,
 * so fleet never writes one.
 */
import type {Quote} from './types.js'

/**
 * Index of the quote closing a value whose opening quote is at `open`, or -1
 * when none comes before `limit`. A backslash escapes the next character.
 */
export function closingQuote(text: string, open: number, limit: number): number {
  const quote = text[open]
  for (let i = open + 1; i < limit; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === quote) return i
  }
  return -1
}

const ESCAPES: Record<string, string> = {a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', $: '$', '"': '"', '\\': '\\'}

/** What compose makes of the inside of a quoted value (before interpolation). */
export function unquote(inner: string, quote: Exclude<Quote, ''>): string {
  // An escaped quote loses its backslash; any other escape keeps it.
  const raw = inner.replace(/\\([\s\S])/g, (match, char: string) => (char === quote ? char : match))
  if (quote === "'") return raw
  // Double quotes also take the shell's escapes; `\$` is a literal `$`.
  return raw.replace(/\\([abfnrtv$"\\])/g, (_match, char: string) => ESCAPES[char] ?? char)
}

// Nothing compose (or a shell sourcing the file) reads specially: safe in any quoting.
const PLAIN = /^[^\s$#'"`\\]*$/u

export type QuotedValue = {ok: true; raw: string; quote: Quote} | {ok: false; reason: string}

/**
 * How to write `value` so that compose reads it back exactly: in `style` when
 * it is plain, else single-quoted (no interpolation there), else (it holds a
 * `'`) double-quoted when nothing in it is special there.
 */
export function quoteValue(value: string, style: Quote): QuotedValue {
  if (/[\r\n]/.test(value)) return {ok: false, reason: 'it holds a line break'}
  if (PLAIN.test(value)) return {ok: true, raw: `${style}${value}${style}`, quote: style}
  if (!value.includes("'")) {
    // A final backslash would escape the closing quote.
    if (value.endsWith('\\')) return {ok: false, reason: 'it ends with a backslash'}
    return {ok: true, raw: `'${value}'`, quote: "'"}
  }
  if (!/[$"\\`]/.test(value)) return {ok: true, raw: `"${value}"`, quote: '"'}
  return {ok: false, reason: 'it holds a single quote together with $, ", ` or \\, which no quoting keeps intact'}
}
