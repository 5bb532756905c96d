/**
 * Masks passwords before a `.env` value or diff is shown to anyone
 * (`--dry-run`, warnings, errors). Masking errs on the side of hiding too
 * much: a masked host name costs a reader little, a printed password cannot
 * be taken back.
 */
import {unifiedDiff} from '../text/diff.js'
import {MASK, maskUrl} from '../text/mask.js'
import {scanEnv} from './scan.js'

export {MASK, maskUrl}

const WORDS = 'password|passwd|pwd|secret|token|credential|api[-_]?key|private[-_]?key|access[-_]?key'
// Keys whose whole value is a secret.
const SECRET_KEY = new RegExp(WORDS, 'i')
// Any line that assigns a secret-looking key, commented out or not, even one
// compose would refuse: everything after the `=` or `:`.
const SECRET_LINE = new RegExp(
  `^((?:\\u00EF\\u00BB\\u00BF)?[\\t\\v\\f \\u0085\\u00a0\\uFEFF]*(?:#[\\t ]*)?(?:export[\\t ]+)?[\\p{L}\\p{N}_.\\-\\[\\]]*(?:${WORDS})[\\p{L}\\p{N}_.\\-\\[\\]]*[\\t\\v\\f \\u0085\\u00a0]*[=:])([^\\n]+)$`,
  'gimu',
)

/** One `.env` value fit to print: all of it masked under a secret-looking key, else any password in it. */
export function maskValue(key: string, value: string): string {
  return SECRET_KEY.test(key) ? MASK : maskUrl(value)
}

/**
 * The `.env` text to show a person: the value of every key that looks like
 * `*PASSWORD*`, `*SECRET*`, `*TOKEN*` (active or commented out, over all its
 * lines, with the rest of its last line) and every password inside a URL
 * masked; line breaks kept, so a diff of two masked texts lines up with the
 * real one.
 */
export function maskEnvText(text: string): string {
  let out = text
  for (const s of scanEnv(text).filter((x) => SECRET_KEY.test(x.key)).reverse()) {
    const end = lineEnd(out, s.valueEnd)
    out = out.slice(0, s.valueStart) + out.slice(s.valueStart, end).replace(/[^\r\n]+/g, MASK) + out.slice(end)
  }
  out = out.replace(SECRET_LINE, (_match, head: string, rest: string) => (rest === '\r' ? head + rest : `${head}${MASK}${rest.endsWith('\r') ? '\r' : ''}`))
  return maskUrl(out)
}

/** A unified diff of a `.env` edit, both sides masked first so that no context line leaks a secret. */
export function maskedEnvDiff(path: string, before: string, after: string): string {
  return unifiedDiff(path, maskEnvText(before), maskEnvText(after))
}

// Where the line holding offset `at` ends, before its line break.
function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at)
  if (newline < 0) return text.length
  return newline > at && text[newline - 1] === '\r' ? newline - 1 : newline
}
