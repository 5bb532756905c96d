import type {Instance} from '@aws-sdk/client-ec2'

/**
 * Free-tier hours used this month, without Cost Explorer. EC2 remembers only
 * the last start (LaunchTime) and, for a stopped instance, when it stopped
 * (in StateTransitionReason). fleet keeps a ledger of every run session it
 * has seen, keyed by instance and LaunchTime, and sums the sessions of the
 * free types clipped to the UTC month. A session that started and ended
 * between two fleet runs is not seen: the figure is a lower bound, and
 * `fleet cost` has the billed truth.
 */

export interface Session {
  instanceId: string
  type: string
  start: string
  /** null while the instance was running when last seen. */
  end: string | null
  lastSeen: string
}

export type Ledger = Record<string, Session>

export interface FreeTier {
  plan: '750-hours' | 'credits'
  hoursUsed: number
  hoursAllowed: number | null
}

const reasonTime = /\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)/

/** When a stopped instance stopped, from "User initiated (2026-11-20 10:00:00 GMT)". */
export function stoppedAt(instance: Instance): string | null {
  const m = reasonTime.exec(instance.StateTransitionReason ?? '')
  return m ? new Date(`${m[1]!.replace(' ', 'T')}Z`).toISOString() : null
}

/** The ledger after seeing these instances now (pure). */
export function observe(ledger: Ledger, instances: Instance[], now: Date): Ledger {
  const next: Ledger = {...ledger}
  for (const i of instances) {
    if (!i.InstanceId || !i.LaunchTime) continue
    const key = `${i.InstanceId}@${i.LaunchTime.toISOString()}`
    const known = next[key]
    const state = i.State?.Name
    if (state === 'running' || state === 'pending') {
      next[key] = {instanceId: i.InstanceId, type: i.InstanceType ?? '?', start: i.LaunchTime.toISOString(), end: null, lastSeen: now.toISOString()}
      continue
    }
    const end = stoppedAt(i) ?? known?.lastSeen ?? null
    if (end === null) continue // never seen running, stop time unknown
    next[key] = {instanceId: i.InstanceId, type: known?.type ?? i.InstanceType ?? '?', start: i.LaunchTime.toISOString(), end, lastSeen: now.toISOString()}
  }
  return next
}

export function monthBounds(now: Date): {start: Date; end: Date} {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
  return {start, end}
}

/** Hours of free-type instances run this UTC month, by the ledger. */
export function hoursUsed(ledger: Ledger, freeTypes: readonly string[], now: Date): number {
  const {start} = monthBounds(now)
  let ms = 0
  for (const s of Object.values(ledger)) {
    if (!freeTypes.includes(s.type)) continue
    const from = Math.max(Date.parse(s.start), start.getTime())
    const to = Math.min(s.end ? Date.parse(s.end) : now.getTime(), now.getTime())
    if (to > from) ms += to - from
  }
  return Math.round((ms / 3_600_000) * 10) / 10
}

/** Drops sessions that ended before last month: the ledger stays small. */
export function prune(ledger: Ledger, now: Date): Ledger {
  const keepFrom = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)
  return Object.fromEntries(Object.entries(ledger).filter(([, s]) => s.end === null || Date.parse(s.end) >= keepFrom))
}

export function freeTierOf(plan: FreeTier['plan'], ledger: Ledger, freeTypes: readonly string[], now: Date): FreeTier {
  return {plan, hoursUsed: hoursUsed(ledger, freeTypes, now), hoursAllowed: plan === '750-hours' ? 750 : null}
}
