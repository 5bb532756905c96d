/**
 * The profile's `apps.logs` / `nginx.logs` templates, filled in. Both
 * placeholders go into a remote shell command line, so `since` is checked to
 * hold no shell syntax and is inserted as it is (a template may quote it).
 */
import {UsageError} from '../errors.js'

export interface LogsCommandValues {
  /** `--since`: `10m`, `1h30m`, `2026-05-01T10:00:00Z`... */
  since: string
  follow: boolean
}

/**
 * `-f` is what `docker logs`, `docker compose logs`, `tail` and `journalctl`
 * all take for "follow", so `{follow}` becomes `-f` (and nothing without
 * `--follow`).
 */
export const FOLLOW_FLAG = '-f'

/** Relative durations (Go style, as docker takes them) and timestamps; nothing a shell would read specially. */
const SINCE = /^[0-9A-Za-z][0-9A-Za-z:.+-]*$/

/** Checks a `--since` value; returns it unchanged. */
export function checkSince(since: string): string {
  if (!SINCE.test(since)) {
    throw new UsageError('BadSince', `--since ${JSON.stringify(since)} is not a duration or a timestamp.`, {
      nextSteps: ['Pass e.g. --since 10m, --since 1h30m or --since 2026-05-01T10:00:00Z (letters, digits, ":", ".", "+", "-").'],
    })
  }
  return since
}

/** The command line to run: `{since}` and `{follow}` replaced wherever they appear. */
export function renderLogsCommand(template: string, values: LogsCommandValues): string {
  const since = checkSince(values.since)
  return template.replaceAll('{since}', since).replaceAll('{follow}', values.follow ? FOLLOW_FLAG : '')
}

/** True when `--follow` can change what the template runs. */
export function canFollow(template: string): boolean {
  return template.includes('{follow}')
}
