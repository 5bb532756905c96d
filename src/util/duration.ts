/**
 * Durations as people type them on the command line: `60s`, `5m`, `1h30m`,
 * `500ms`, or a bare number of seconds. Returns milliseconds, or null when
 * the text is not a duration (the caller says which flag was wrong).
 */
export function parseDuration(text: string): number | null {
  const value = text.trim()
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)) return null
  const unit: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}
  let total = 0
  for (const [, amount, u] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * unit[u!]!
  return Math.round(total)
}

/** `90000` → `1m30s`, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  const s = Math.round(ms / 1000)
  const parts: string[] = []
  if (s >= 3600) parts.push(`${Math.floor(s / 3600)}h`)
  if (s % 3600 >= 60) parts.push(`${Math.floor((s % 3600) / 60)}m`)
  if (s % 60 > 0) parts.push(`${s % 60}s`)
  return parts.join('')
}
