import {UsageError} from '../errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/**
 * A duration as people write it: `90s`, `10m`, `3h`, `2h30m`, `1d`; a bare
 * number is seconds. Zero, negative and malformed values are usage errors
 * naming the flag; `maxMs` bounds it (the message says the maximum and why).
 */
export function parseDuration(value: string, flag: string, bounds: {maxMs?: number; why?: string; allowZero?: boolean} = {}): number {
  const text = value.trim()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)?/gy)]
  const consumed = parts.reduce((n, p) => n + p[0].length, 0)
  if (parts.length === 0 || consumed !== text.length || (parts.length > 1 && parts.some((p) => p[2] === undefined))) {
    throw new UsageError('BadDuration', `${flag} ${JSON.stringify(value)} is not a duration such as 90s, 10m, 3h or 2h30m.`)
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] ?? 's']!, 0)
  if (ms <= 0 && !bounds.allowZero) throw new UsageError('BadDuration', `${flag} must be more than zero, not ${JSON.stringify(value)}.`)
  if (bounds.maxMs !== undefined && ms > bounds.maxMs) {
    throw new UsageError('BadDuration', `${flag} ${value} is more than the ${formatDuration(bounds.maxMs)} fleet allows${bounds.why ? `: ${bounds.why}` : ''}.`)
  }
  return ms
}

/** `2h30m`, `45s`, `0s`: the largest units first, for messages. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000)
  const out: string[] = []
  for (const [unit, seconds] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / seconds)
    if (n > 0) out.push(`${n}${unit}`)
    rest -= n * seconds
  }
  return out.join('') || '0s'
}
