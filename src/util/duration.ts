import {UsageError} from '../errors.js'

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/**
 * A duration flag in milliseconds: `90s`, `10m`, `1h30m`, `500ms`; a bare
 * number is seconds. Anything else, or zero, is a usage error naming the flag.
 */
export function parseDuration(value: string, flag: string): number {
  const text = value.trim()
  if (/^\d+(?:\.\d+)?$/.test(text)) return positive(Number(text) * 1000, value, flag)
  let ms = 0
  let consumed = ''
  for (const [whole, amount, unit] of text.matchAll(PART)) {
    ms += Number(amount) * UNIT_MS[unit!]!
    consumed += whole
  }
  if (consumed === '' || consumed !== text) throw bad(value, flag)
  return positive(ms, value, flag)
}

/** `1h 5m`, `2m 30s`, `45 s`: how long, for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = s % 60
  return h > 0 ? `${h}h ${m}m` : rest > 0 ? `${m}m ${rest}s` : `${m}m`
}

function positive(ms: number, value: string, flag: string): number {
  if (!(ms > 0)) throw bad(value, flag)
  return Math.round(ms)
}

function bad(value: string, flag: string): UsageError {
  return new UsageError('BadDuration', `${flag} ${JSON.stringify(value)} is not a duration: expected e.g. 90s, 10m or 1h30m.`, {
    nextSteps: [`Pass ${flag} with a unit: ms, s, m, h or d (a bare number is seconds).`],
  })
}
