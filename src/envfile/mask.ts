/**
 * Masks a `.env` before any of it is shown to anyone (`--dry-run`, `--json`,
 * warnings, errors). Only the switched key's URL is shown, its password
 * masked: every other value is hidden whatever its key is called, since a
 * list of secret-looking names always misses one (`DB_PASS`, `REDIS_AUTH`,
 * `JWT`). Key names, comments, blank lines and line breaks stay, so a diff
 * keeps its shape and lines up with the real one.
 */
import {unifiedDiff} from '../text/diff.js'
import {looksSecret, MASK, maskUrl} from '../text/mask.js'
import {scanEnv} from './scan.js'

export {MASK, maskUrl}

/** One value of the switched key fit to print: all of it masked under a secret-looking key, else any password in it. */
export function maskValue(key: string, value: string): string {
  return looksSecret(key) ? MASK : maskUrl(value)
}

/**
 * The `.env` text to show a person: `keep`'s lines (active or commented
 * out) as they are with any password in a URL masked; every other
 * statement's value (over all its lines, with the rest of its last line) as
 * `****`; on a line that is no statement (`##KEY=x`, `MY KEY=x`), whatever
 * follows its first `=` or `:`, and all of a line compose would refuse.
 * Key names, comments, blank lines and line breaks are kept.
 */
export function maskEnvText(text: string, keep: string): string {
  const lines = text.split('\n')
  const starts: number[] = []
  let at = 0
  for (const line of lines) {
    starts.push(at)
    at += line.length + 1
  }
  const out = [...lines]
  const seen = new Set<number>()
  for (const s of scanEnv(text)) {
    const first = s.line - 1
    // A quoted value may run over several lines: up to the one holding its closing quote.
    let last = first
    while (last + 1 < starts.length && starts[last + 1]! < s.valueEnd) last++
    for (let i = first; i <= last; i++) {
      seen.add(i)
      if (s.key !== keep) out[i] = maskFrom(lines[i]!, i === first ? s.valueStart - starts[i]! : 0)
    }
  }
  for (const [i, line] of lines.entries()) if (!seen.has(i)) out[i] = maskOtherLine(line)
  return maskUrl(out.join('\n'))
}

/**
 * A unified diff of a `.env` edit of `key`, both sides masked first
 * (maskEnvText): the key's lines show the change, no other value shows.
 */
export function maskedEnvDiff(path: string, before: string, after: string, key: string): string {
  return unifiedDiff(path, maskEnvText(before, key), maskEnvText(after, key))
}

// A BOM (as UTF-8 or, in a file that is not UTF-8, as latin1) and indentation.
const LEAD = /^(?:\uFEFF|\u00EF\u00BB\u00BF)?[\t\v\f \u0085\u00a0]*/
// A name alone (compose takes its value from the environment), or nothing.
const BARE_NAME = /^(?:export[\t ]+)?[\p{L}\p{N}_.\-[\]]*[\t ]*\r?$/u

/**
 * A line that is no statement: a comment or a bare name as it is; after its
 * first `=` or `:`, masked (`##KEY=x`, `MY KEY=x`, `# pass: x`); anything
 * else compose would refuse (a stray piece of a value), all masked.
 */
function maskOtherLine(line: string): string {
  const separator = /[=:][\t ]*/.exec(line)
  if (separator) return maskFrom(line, separator.index + separator[0].length)
  const lead = LEAD.exec(line)![0].length
  const rest = line.slice(lead)
  return rest.startsWith('#') || BARE_NAME.test(rest) ? line : maskFrom(line, lead)
}

/** The line with everything from `column` to its end (its CR kept) masked; as it is when nothing is there. */
function maskFrom(line: string, column: number): string {
  const body = line.endsWith('\r') ? line.slice(0, -1) : line
  if (body.length <= column) return line
  return `${body.slice(0, column)}${MASK}${line.slice(body.length)}`
}

