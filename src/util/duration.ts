import {UsageError} from '../errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/**
 * A duration as people type it: `90s`, `10m`, `3h`, `1h30m`, `500ms`, `1d`;
 * a bare number is seconds. Milliseconds, or null when the text is not a
 * duration (the caller says which flag was wrong).
 */
export function durationMs(text: string): number | null {
  const value = text.trim()
  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(value)) return null
  let total = 0
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit!]!
  return Math.round(total)
}

/**
 * A flag's duration: zero, negative and malformed values are usage errors
 * naming the flag; `maxMs` bounds it (the message says the maximum and why).
 */
export function parseDuration(value: string, flag: string, bounds: {maxMs?: number; why?: string; allowZero?: boolean} = {}): number {
  const ms = durationMs(value)
  if (ms === null) throw new UsageError('BadDuration', `${flag} ${JSON.stringify(value)} is not a duration such as 90s, 10m, 3h or 2h30m.`)
  if (ms <= 0 && !bounds.allowZero) throw new UsageError('BadDuration', `${flag} must be more than zero, not ${JSON.stringify(value)}.`)
  if (bounds.maxMs !== undefined && ms > bounds.maxMs) {
    throw new UsageError('BadDuration', `${flag} ${value} is more than the ${formatDuration(bounds.maxMs)} fleet allows${bounds.why ? `: ${bounds.why}` : ''}.`)
  }
  return ms
}

/** `1m30s`, `2h30m`, `250ms`: the largest units first, the way people type them. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${ms}ms`
  let rest = Math.round(ms / 1000)
  const out: string[] = []
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / seconds)
    if (n > 0) out.push(`${n}${unit}`)
    rest -= n * seconds
  }
  return out.join('') || '0s'
}
