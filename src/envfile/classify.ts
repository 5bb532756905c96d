import {ExternalError} from '../errors.js'
import {scanEnv, type EnvStatement} from './scan.js'
import type {DbUrlMode, DbUrls, EnvResult} from './types.js'

/** The statements that set `key`: the active one (at most one) and the commented-out ones. */
export type KeyLines = EnvResult<{active: EnvStatement | null; commented: EnvStatement[]}>

/**
 * Finds `key` in the text. Errors: a quote left open anywhere (compose cannot
 * read the file, and a quote fleet writes could close it), two active lines
 * for the key, or one whose value runs over several lines.
 */
export function locateKey(text: string, key: string): KeyLines {
  const all = scanEnv(text)
  const open = all.find((s) => s.comment === null && s.problem === 'unterminated')
  if (open) {
    const error = new ExternalError('EnvUnreadable', `Line ${open.line} of the .env opens a quote it never closes: docker compose cannot read the file, and fleet will not edit it.`, {
      nextSteps: [`Close the quote of ${open.key} on line ${open.line}, then run the command again.`],
    })
    return {ok: false, error}
  }
  const statements = all.filter((s) => s.key === key)
  const active = statements.filter((s) => s.comment === null)
  if (active.length > 1) return {ok: false, error: ambiguous(key, active)}
  const [only = null] = active
  if (only?.problem === 'multiline') {
    const error = new ExternalError('EnvValueUnreadable', `The .env's ${key} on line ${only.line} runs over several lines: fleet will not edit it.`, {
      nextSteps: [`Write ${key} on one line, e.g. ${key}=jdbc:mysql://host:3306/db, then run the command again.`],
    })
    return {ok: false, error}
  }
  return {ok: true, active: only, commented: statements.filter((s) => s.comment !== null)}
}

function ambiguous(key: string, active: EnvStatement[]): ExternalError {
  const lines = active.map((s) => s.line).join(', ')
  return new ExternalError('EnvKeyAmbiguous', `The .env sets ${key} on ${active.length} active lines (${lines}): fleet edits it only where one line sets it.`, {
    nextSteps: [`Comment out or remove all but one ${key}= line in the file (rds.envFile), then run the command again.`],
  })
}

/** Which URL a value is; `shared` when both URLs are one string and the value is it. */
export function urlModeOf(value: string, urls: DbUrls): Exclude<DbUrlMode, 'missing'> {
  if (urls.public === urls.private) return value === urls.public ? 'shared' : 'other'
  if (value === urls.public) return 'public'
  if (value === urls.private) return 'private'
  return 'other'
}

/**
 * Which URL the file's active `key` line holds, read as docker compose reads
 * it: `missing` without an active line; an error (the caller refuses to edit)
 * with two active lines or one whose value cannot be read. Values are
 * compared as written, unquoted but not interpolated: a `DB_URL` built from
 * `${OTHER}` variables is `other`.
 */
export function classifyEnv(text: string, key: string, urls: DbUrls): EnvResult<{mode: DbUrlMode; line: number | null}> {
  const found = locateKey(text, key)
  if (!found.ok) return found
  if (!found.active) return {ok: true, mode: 'missing', line: null}
  return {ok: true, mode: urlModeOf(found.active.value, urls), line: found.active.line}
}
