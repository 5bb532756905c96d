import {describe, expect, it} from 'vitest'

import type {FleetInstances, InstanceRead} from '../fleet/read-instances.js'
import {dryRunDocument} from './dry-run.js'
import type {PlannedChange} from './plan.js'
import type {UpstreamPlan} from './up-upstream.js'

const change = (account: string, action: PlannedChange['action']): PlannedChange => ({
  account,
  action,
  from: {state: 'stopped', type: 't2.micro'},
  to: {state: 'running', type: 't2.micro'},
  steps: action === 'none' ? [] : ['start', 'wait-running', 'wait-status-ok'],
})
const running = (publicIp: string | null) => ({instance: {id: 'i-1', state: 'running', type: 't2.micro', publicIp, publicDns: null, privateIp: '10.0.0.1', launchTime: null, autoStopAt: null}, raw: {}, error: null}) as unknown as InstanceRead
const failed = {instance: null, raw: null, error: {code: 'RoleNotAssumable', message: 'no'}} as InstanceRead

describe('dryRunDocument', () => {
  it("answers in the spec's up shape: nothing done, the LB's IP now, the upstream the run would write", () => {
    const instances: FleetInstances = new Map([['lb', running('3.35.0.1')], ['app-1', running(null)], ['app-2', failed]])
    const upstream: UpstreamPlan = {before: null, after: [{account: 'app-1', port: 8080, server: null}, {account: 'app-2', port: 8080, server: '10.0.0.2:8080'}], entries: [], drain: [], drainAccounts: [], changed: null}
    const doc = dryRunDocument({arch: '6', plan: [change('lb', 'none'), change('app-1', 'start')], instances, lbAccount: 'lb', upstream})
    expect(doc).toEqual({
      arch: '6',
      plan: [change('lb', 'none'), change('app-1', 'start')],
      results: [
        {account: 'lb', ok: true, error: null, done: []},
        {account: 'app-1', ok: true, error: null, done: []},
        {account: 'app-2', ok: false, error: {code: 'RoleNotAssumable', message: 'no'}, done: []},
      ],
      lbPublicIp: '3.35.0.1',
      // app-1's IP is only known once it has started; an upstream that cannot be read may change.
      upstream: {servers: ['10.0.0.2:8080'], changed: true},
      dryRun: true,
    })
  })

  it('leaves the upstream alone for down, and an unchanged upstream says so', () => {
    const none = dryRunDocument({arch: null, plan: [], instances: new Map(), lbAccount: null, upstream: null})
    expect(none).toMatchObject({lbPublicIp: null, upstream: {servers: [], changed: false}, results: []})
    const same: UpstreamPlan = {before: ['10.0.0.2:8080'], after: [{account: 'app-1', port: 8080, server: '10.0.0.2:8080'}], entries: [], drain: [], drainAccounts: [], changed: false}
    expect(dryRunDocument({arch: '3', plan: [], instances: new Map(), lbAccount: 'lb', upstream: same}).upstream).toEqual({servers: ['10.0.0.2:8080'], changed: false})
  })
})
