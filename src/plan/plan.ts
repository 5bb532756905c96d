import type {DesiredAccount} from './desired.js'

export type PlanAction = 'start' | 'stop' | 'resize' | 'none'

/** An instance as it is now (null: not found, or its account failed). */
export interface ActualInstance {
  state: string
  type: string
}

export interface InstanceSide {
  state: string | null
  type: string | null
}

/** One line of `up`'s plan (spec section 5). */
export interface PlannedChange {
  account: string
  action: PlanAction
  from: InstanceSide
  to: InstanceSide
  /** Why nothing will be done where something would be expected. */
  note?: string
}

const up = new Set(['running', 'pending'])
const down = new Set(['stopped', 'stopping'])
const gone = new Set(['terminated', 'shutting-down'])

/**
 * What `up` must do to each account, desired vs actual. `resize` whenever
 * the type differs, whatever the state (it means stop, modify, then reach
 * the desired state); an instance that was not found, or is gone, is left
 * alone (fleet never launches or terminates). Pure.
 */
export function planChanges(desired: readonly DesiredAccount[], actual: ReadonlyMap<string, ActualInstance | null>): PlannedChange[] {
  return desired.map((want) => planOne(want, actual.get(want.account) ?? null))
}

function planOne(want: DesiredAccount, now: ActualInstance | null): PlannedChange {
  const account = want.account
  if (now === null) {
    return {account, action: 'none', from: {state: null, type: null}, to: {state: null, type: null}, note: 'no instance found: left alone'}
  }
  const from = {state: now.state, type: now.type}
  if (gone.has(now.state)) return {account, action: 'none', from, to: from, note: `the instance is ${now.state}: fleet never launches instances`}
  if (want.type !== null && want.type !== now.type) {
    return {account, action: 'resize', from, to: {state: want.state, type: want.type}}
  }
  if (want.state === 'running' && down.has(now.state)) return {account, action: 'start', from, to: {state: 'running', type: now.type}}
  if (want.state === 'stopped' && up.has(now.state)) return {account, action: 'stop', from, to: {state: 'stopped', type: now.type}}
  if (!up.has(now.state) && !down.has(now.state)) return {account, action: 'none', from, to: from, note: `unexpected state ${now.state}: left alone`}
  return {account, action: 'none', from, to: from}
}
