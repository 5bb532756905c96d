/**
 * "worker_connections are not enough" in nginx's error log: nginx writes it
 * (as an [alert]) when a worker has no free connection slot for a client or
 * an upstream, and then drops that connection. The check runs the profile's
 * `nginx.logs` template once after a step, filtered on the host so that the
 * access log does not cross the SSH connection, and the pure matcher keeps
 * the alerts of the step only.
 */
import {shellQuote} from '../remote/shell-quote.js'
import {renderLogsCommand} from '../logs/template.js'

export const WORKER_CONNECTIONS_ALERT = 'worker_connections are not enough'

export interface AlertMatch {
  count: number
  /** The first alert line of the step, for the report. */
  first: string | null
}

/**
 * The remote command: the `nginx.logs` template (`{since}` as an RFC 3339
 * time, no follow), stderr included (docker logs writes nginx's error log
 * there), lines holding the alert only. grep's "no match" is not a failure.
 */
export function alertCheckCommand(logsTemplate: string, since: Date): string {
  const read = renderLogsCommand(logsTemplate, {since: since.toISOString().replace(/\.\d{3}Z$/, 'Z'), follow: false})
  return `{ ${read} ; } 2>&1 | grep -F -e ${shellQuote(WORKER_CONNECTIONS_ALERT)} ; true`
}

/** nginx's own `2026/11/30 07:10:01`, or a Docker/RFC 3339 `2026-11-30T07:10:01.123Z` prefix. */
const NGINX_TIME = /(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})/
const ISO_TIME = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})/

/**
 * When a log line was written, in epoch ms; null when it carries no time.
 * nginx writes its local time: `utcOffsetMinutes` is the host's offset
 * (0 on EC2's usual UTC images).
 */
export function lineTime(line: string, utcOffsetMinutes = 0): number | null {
  const iso = ISO_TIME.exec(line)
  if (iso) {
    const at = Date.parse(iso[0])
    if (Number.isFinite(at)) return at
  }
  const local = NGINX_TIME.exec(line)
  if (!local) return null
  const [, y, mo, d, h, mi, s] = local.map(Number)
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) - utcOffsetMinutes * 60_000
}

/**
 * The alerts among `lines` written at or after `since` (nginx's times have
 * whole seconds, so `since` is taken to its second). A line without a time
 * counts: a template with `{since}` only returns recent lines anyway.
 */
export function matchWorkerConnectionAlerts(lines: string[], since: Date, utcOffsetMinutes = 0): AlertMatch {
  const from = Math.floor(since.getTime() / 1000) * 1000
  let count = 0
  let first: string | null = null
  for (const line of lines) {
    if (!line.includes(WORKER_CONNECTIONS_ALERT)) continue
    const at = lineTime(line, utcOffsetMinutes)
    if (at !== null && at < from) continue
    count++
    first ??= line.trim()
  }
  return {count, first}
}
