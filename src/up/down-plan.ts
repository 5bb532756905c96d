import {planUp, type UpPlan} from '../plan/up-plan.js'
import type {DesiredAccount} from '../plan/desired.js'
import type {Profile} from '../profile/load.js'
import type {PreparedDown} from './down.js'

/** `down`'s plan in `up`'s shape, so it renders the same way (every account stopped but the kept ones). */
export function downPlanView(profile: Profile, prepared: PreparedDown): UpPlan {
  const desired = prepared.plan.map((c): DesiredAccount => ({account: c.account, role: 'idle', state: 'stopped', type: null, ports: []}))
  const actual = new Map([...prepared.instances].map(([name, r]) => [name, r.instance]))
  const view = planUp({
    arch: 'down',
    desired,
    actual,
    regions: new Map(profile.accounts.map((a) => [a.name, a.region])),
    freeTypes: profile.data.freeTypes,
    address: profile.data.nginx?.address ?? 'public',
    upstreamNow: null,
  })
  // `down` does not drain: the upstream stays as it is until the next `up`.
  return {...view, upstream: {...view.upstream, drain: [], drainAccounts: []}, warnings: view.warnings.filter((w) => w.kind === 'left-alone')}
}
