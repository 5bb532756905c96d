/**
 * The plan of a whole `fleet loadtest` run, before anyone confirms it (pure):
 * `up`'s plan for each architecture in turn — the first from the fleet as it
 * is now, each next one from the fleet as the one before leaves it — and an
 * estimate of what the run costs: the instances each architecture runs,
 * for the time its changes and its steps take, plus their public IPv4
 * hours. The transfer is only known once measured (the LB's bytes).
 */
import {isLeftAlone} from '../plan/plan.js'
import {type ObservedInstance, planUp, type UpPlan, upPlanInput} from '../plan/up-plan.js'
import type {Profile} from '../profile/types.js'
import {runCost} from './cost.js'
import type {AddressSource} from './pin.js'
import type {LoadtestSettings} from './settings.js'
import type {RunCost} from './types.js'

/** What each kind of change takes on AWS, waits included (starts pass their status checks in 1-3 min). */
export const CHANGE_MINUTES = {start: 3, resize: 4, stop: 1, none: 0} as const
/** Per step beyond its warm-up and measured part: samples bounding the window, the nginx log check, the files. */
export const STEP_OVERHEAD_MS = 3000

export interface RunPlanArch {
  arch: string
  up: UpPlan
  /** Estimated time of this architecture's part: its changes, then its steps. */
  minutes: number
  /** The LB's IP the load will connect to (`loadtest.address`), when known before: null when a start gives it a new public IP. */
  lbIp: string | null
}

export interface RunPlan {
  archs: RunPlanArch[]
  /** Steps of the run: architectures × user levels. */
  steps: number
  minutes: number
  /** The instances' and their public IPv4 hours' cost; transfer comes on top (0 here). */
  estimate: RunCost
  /** Some architecture starts an instance type outside freeTypes (the `--allow-paid` guardrail). */
  needsAllowPaid: boolean
}

/**
 * Plans the run from the fleet as read now (`actual`, `upstreamNow`: what
 * `prepareUp` read for the first architecture).
 */
export function planRun(
  profile: Profile,
  settings: Pick<LoadtestSettings, 'archs' | 'users' | 'warmupMs' | 'durationMs'> & {address?: AddressSource},
  actual: ReadonlyMap<string, ObservedInstance | null>,
  upstreamNow: readonly string[] | null,
): RunPlan {
  const archs: RunPlanArch[] = []
  let now = actual
  let upstream = upstreamNow
  const stepsMs = settings.users.length * (settings.warmupMs + settings.durationMs + STEP_OVERHEAD_MS)
  for (const id of settings.archs) {
    const up = planUp(upPlanInput(profile, id, now, upstream))
    now = afterPlan(up, now)
    archs.push({arch: id, up, minutes: changeMinutes(up) + stepsMs / 60_000, lbIp: lbIpAfter(now, settings.address ?? {account: profile.data.nginx?.on ?? '', kind: 'public'})})
    upstream = up.upstream.after.every((a) => a.server !== null) ? up.upstream.after.map((a) => a.server!) : null
  }
  const instances = archs.flatMap((a) => a.up.cost.running.map((r) => ({account: r.account, type: r.type, region: r.region, hours: a.minutes / 60})))
  const region = profile.accounts[0]?.region ?? ''
  return {
    archs,
    steps: settings.archs.length * settings.users.length,
    minutes: archs.reduce((sum, a) => sum + a.minutes, 0),
    estimate: runCost({region, freeTypes: profile.data.freeTypes, instances, lbBytes: 0}),
    needsAllowPaid: archs.some((a) => a.up.cost.needsAllowPaid),
  }
}

/** The LB's IP once a plan is applied: its private IP stays, a start gives it a new public one. */
function lbIpAfter(fleet: ReadonlyMap<string, ObservedInstance | null>, address: AddressSource): string | null {
  const lb = fleet.get(address.account)
  return (address.kind === 'public' ? lb?.publicIp : lb?.privateIp) ?? null
}

/** The slowest account's change: accounts change in parallel. */
function changeMinutes(up: UpPlan): number {
  return Math.max(0, ...up.plan.filter((c) => c.steps.length > 0).map((c) => CHANGE_MINUTES[c.action]))
}

/**
 * The fleet as a plan leaves it: each changed instance in its target state
 * and type; a started one has a new public IP (unknown until then), its
 * private IP stays.
 */
export function afterPlan(up: UpPlan, before: ReadonlyMap<string, ObservedInstance | null>): Map<string, ObservedInstance | null> {
  const after = new Map(before)
  for (const change of up.plan) {
    const was = before.get(change.account) ?? null
    if (!was || isLeftAlone(change) || change.steps.length === 0) continue
    const starts = change.steps.includes('start')
    after.set(change.account, {
      ...was,
      state: change.to.state ?? was.state,
      type: change.to.type ?? was.type,
      publicIp: starts || change.to.state !== 'running' ? null : was.publicIp,
    })
  }
  return after
}
