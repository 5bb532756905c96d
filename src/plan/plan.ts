import type {DesiredAccount} from './desired.js'

export type PlanAction = 'start' | 'stop' | 'resize' | 'none'

/**
 * One thing the executor does to an instance, in order. Waits name the state
 * they wait for: `wait-running` (DescribeInstances says running),
 * `wait-status-ok` (both status checks pass), `wait-stopped`.
 */
export type PlanStep = 'wait-running' | 'wait-status-ok' | 'wait-stopped' | 'stop' | 'modify-type' | 'start'

/** An instance as it is now (null: not found, or its account failed). */
export interface ActualInstance {
  state: string
  type: string
}

export interface InstanceSide {
  state: string | null
  type: string | null
}

/** One line of `up`'s plan (spec section 5, plus `steps`). */
export interface PlannedChange {
  account: string
  action: PlanAction
  from: InstanceSide
  to: InstanceSide
  /**
   * What the executor does, in order; empty when there is nothing to do.
   * A transitional state is never plain nothing: `pending` to stay running
   * is action `none` with steps `wait-running, wait-status-ok`.
   */
  steps: PlanStep[]
  /** Why nothing will be done where something would be expected. */
  note?: string
}

const gone = new Set(['terminated', 'shutting-down'])
const known = new Set(['running', 'pending', 'stopped', 'stopping'])

const afterStart: PlanStep[] = ['start', 'wait-running', 'wait-status-ok']

/** From each known state, the steps that leave the instance stopped. */
const toStopped: Record<string, PlanStep[]> = {
  running: ['stop', 'wait-stopped'],
  pending: ['wait-running', 'stop', 'wait-stopped'], // AWS refuses to stop a pending instance
  stopping: ['wait-stopped'],
  stopped: [],
}

/**
 * What `up` must do to each account, desired vs actual. `resize` whenever
 * the type differs, whatever the state (stop, modify the type, then reach
 * the desired state: AWS changes a type only while stopped); transitional
 * states are waited out, never ignored; an instance that was not found, is
 * gone, or is in a state fleet does not know is left alone with a note
 * (fleet never launches or terminates). Pure.
 */
export function planChanges(desired: readonly DesiredAccount[], actual: ReadonlyMap<string, ActualInstance | null>): PlannedChange[] {
  return desired.map((want) => planOne(want, actual.get(want.account) ?? null))
}

function planOne(want: DesiredAccount, now: ActualInstance | null): PlannedChange {
  const account = want.account
  if (now === null) {
    const none = {state: null, type: null}
    return {account, action: 'none', from: none, to: none, steps: [], note: 'no instance found: left alone'}
  }
  const from = {state: now.state, type: now.type}
  if (gone.has(now.state)) return leftAlone(account, from, `the instance is ${now.state}: fleet never launches instances`)
  if (!known.has(now.state)) return leftAlone(account, from, `unexpected state ${now.state}: left alone`)

  if (want.type !== null && want.type !== now.type) {
    const steps = [...toStopped[now.state]!, 'modify-type' as const, ...(want.state === 'running' ? afterStart : [])]
    return {account, action: 'resize', from, to: {state: want.state, type: want.type}, steps}
  }
  const to = {state: want.state, type: now.type}
  if (want.state === 'running') {
    if (now.state === 'stopped') return {account, action: 'start', from, to, steps: afterStart}
    if (now.state === 'stopping') return {account, action: 'start', from, to, steps: ['wait-stopped', ...afterStart]}
    if (now.state === 'pending') return {account, action: 'none', from, to, steps: ['wait-running', 'wait-status-ok']}
    return {account, action: 'none', from, to, steps: []}
  }
  const steps = toStopped[now.state]!
  return {account, action: steps.includes('stop') ? 'stop' : 'none', from, to, steps}
}

function leftAlone(account: string, from: InstanceSide, note: string): PlannedChange {
  return {account, action: 'none', from, to: from, steps: [], note}
}

/** True when the change leaves the instance alone because fleet cannot act on it. */
export function isLeftAlone(change: PlannedChange): boolean {
  return change.note !== undefined
}
