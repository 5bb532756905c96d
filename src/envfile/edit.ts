/**
 * The `.env` edit of `rds-public` (spec section 4): points `key` at one of
 * the two URLs and keeps every other byte of the file.
 *
 * Decisions where the spec is silent:
 * - A file without an active `key` line is refused, not appended to: fleet
 *   only switches a variable the app already reads; a wrong `rds.key` or
 *   `rds.envFile` would otherwise quietly add a line nothing reads.
 * - A commented-out line that already holds the wanted URL is swapped in
 *   (the nearest one when there are several); otherwise the value is
 *   replaced in place, keeping its quoting unless the URL needs quotes.
 * - A value that is neither URL is refused (a guardrail) unless `force`; with
 *   `force` it is commented out when a swap is possible, else replaced.
 * - A URL that needs quotes (`$`, `#`, blanks, quotes, `\`) is written
 *   single-quoted; one holding a `'` double-quoted when nothing else in it is
 *   special there; else it is refused (usage: the profile's template).
 * - What is wrong with a host's file (missing, two active lines, a quote left
 *   open anywhere) is an ExternalError: that server fails (exit 3), the
 *   others go on. A neither-URL value is a GuardrailError (`--force`).
 * - In `shared` mode the caller edits nothing; called anyway, a file already
 *   holding the shared URL is left as it is.
 */
import {ExternalError, GuardrailError, UsageError, type FleetError} from '../errors.js'
import {locateKey, urlModeOf} from './classify.js'
import {maskValue} from './mask.js'
import type {EnvStatement} from './scan.js'
import type {DbUrls, EnvResult} from './types.js'
import {quoteValue} from './value.js'

export interface SetEnvUrlOptions {
  /** Replace a value that is neither URL (`--force`). */
  force?: boolean
}

export type EnvEditHow = 'swap-comments' | 'replace-value' | 'none'

/** The new text (identical when nothing changed) and warnings fit to print (passwords masked). */
export type EnvEdit = EnvResult<{text: string; changed: boolean; how: EnvEditHow; warnings: string[]}>

/** Points the `.env`'s active `key` line at `urls[want]`, changing nothing else. */
export function setEnvUrl(text: string, key: string, want: keyof DbUrls, urls: DbUrls, options: SetEnvUrlOptions = {}): EnvEdit {
  const found = locateKey(text, key)
  if (!found.ok) return found
  const {active, commented} = found
  if (!active) return {ok: false, error: missingKey(key, want, commented, urls)}
  const wanted = urls[want]
  if (active.value === wanted) return {ok: true, text, changed: false, how: 'none', warnings: []}
  const forced = urlModeOf(active.value, urls) === 'other'
  if (forced && !options.force) return {ok: false, error: otherValue(key, active)}
  const partner = nearest(active, commented.filter((s) => s.value === wanted))
  const warnings: string[] = []
  if (partner) {
    if (forced) warnings.push(`line ${active.line}: ${key} held neither URL (${maskValue(key, active.value)}); commented out because of --force.`)
    return {ok: true, text: swapComments(text, active, partner), changed: true, how: 'swap-comments', warnings}
  }
  const quoted = quoteValue(wanted, active.quote)
  if (!quoted.ok) return {ok: false, error: unwritable(want, quoted.reason)}
  if (forced) warnings.push(`line ${active.line}: ${key} held neither URL (${maskValue(key, active.value)}); replaced because of --force.`)
  if (quoted.quote !== active.quote) {
    const how = quoted.quote === "'" ? 'single' : 'double'
    warnings.push(`line ${active.line}: ${key} is now ${how}-quoted: the ${want} URL holds characters docker compose would otherwise interpolate or cut.`)
  }
  return {ok: true, text: splice(text, active.valueStart, active.valueEnd, quoted.raw), changed: true, how: 'replace-value', warnings}
}

// The commented-out line closest to the active one; the earlier one on a tie.
function nearest(active: EnvStatement, candidates: EnvStatement[]): EnvStatement | undefined {
  let best: EnvStatement | undefined
  for (const c of candidates) {
    if (!best || Math.abs(c.line - active.line) < Math.abs(best.line - active.line)) best = c
  }
  return best
}

// The active line gets the partner's own `#` marker (so the file's comment
// style stays), the partner loses it: swapping back restores every byte.
function swapComments(text: string, active: EnvStatement, partner: EnvStatement): string {
  const marker = partner.comment!
  const hash = text.slice(marker.start, marker.end)
  const edits = [
    {start: active.contentStart, end: active.contentStart, insert: hash},
    {start: marker.start, end: marker.end, insert: ''},
  ].sort((a, b) => b.start - a.start)
  return edits.reduce((out, e) => splice(out, e.start, e.end, e.insert), text)
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end)
}

function missingKey(key: string, want: keyof DbUrls, commented: EnvStatement[], urls: DbUrls): FleetError {
  const hint = commented.find((s) => s.value === urls[want])
  return new ExternalError('EnvKeyMissing', `The .env has no active ${key}= line: fleet switches a ${key} the app already reads, it does not add one.`, {
    nextSteps: [
      hint ? `Uncomment line ${hint.line} (#${key}=...) or add a ${key}= line to the file.` : `Add a ${key}= line to the file.`,
      'Or point rds.key / rds.envFile in the profile at the variable and file the app reads.',
    ],
  })
}

function otherValue(key: string, active: EnvStatement): FleetError {
  return new GuardrailError('EnvValueOther', `The .env's ${key} on line ${active.line} is neither rds.public nor rds.private (${maskValue(key, active.value)}): left as it is.`, {
    nextSteps: ['Pass --force to replace it.', 'Or change rds.public / rds.private in the profile if that value is the right one.'],
  })
}

function unwritable(want: keyof DbUrls, reason: string): FleetError {
  return new UsageError('DbUrlUnwritable', `The ${want} URL (rds.${want}) cannot be written to a .env so that docker compose reads it back: ${reason}.`, {
    nextSteps: [`Change rds.${want} in the profile, percent-encoding that character in the URL.`],
  })
}
