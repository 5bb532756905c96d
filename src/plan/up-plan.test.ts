import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {profileFromText} from '../profile/load.js'
import {type ObservedInstance, planUp, upPlanInput} from './up-plan.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {
  name: 'example',
  file: '/x/example.yaml',
  env: {},
})

const ips: Record<string, [string, string]> = {
  lb: ['13.124.0.10', '172.31.0.10'],
  'app-1': ['3.35.0.1', '172.31.0.1'],
  'app-2': ['3.35.0.2', '172.31.0.2'],
  'app-3': ['3.35.0.3', '172.31.0.3'],
}

/** An instance as DescribeInstances shows it: a public IP only while pending or running. */
function instance(account: string, state: string, type = 't2.micro', extra: Partial<ObservedInstance> = {}): ObservedInstance {
  const [publicIp, privateIp] = ips[account]!
  const hasPublic = state === 'running' || state === 'pending'
  return {id: `i-0${account.replace('-', '')}`, state, type, publicIp: hasPublic ? publicIp : null, privateIp, ...extra}
}

const fleet = (entries: Record<string, ObservedInstance | null>) => new Map(Object.entries(entries))
const up = (arch: string, actual: Map<string, ObservedInstance | null>, upstreamNow: string[] | null, change?: (i: ReturnType<typeof upPlanInput>) => void) => {
  const input = upPlanInput(example, arch, actual, upstreamNow)
  change?.(input)
  return planUp(input)
}

const allStopped = () => fleet({lb: instance('lb', 'stopped'), 'app-1': instance('app-1', 'stopped'), 'app-2': instance('app-2', 'stopped'), 'app-3': instance('app-3', 'stopped')})
const arch6 = () => fleet({lb: instance('lb', 'running', 't2.medium'), 'app-1': instance('app-1', 'running'), 'app-2': instance('app-2', 'running'), 'app-3': instance('app-3', 'running')})
const arch6Upstream = ['3.35.0.1:8080', '3.35.0.2:8080', '3.35.0.3:8080']

describe('planUp: the story\'s transitions', () => {
  test('Given everything stopped, When planning architecture 6, Then the LB resizes and starts, three apps start with new IPs, one paid type runs', () => {
    const plan = up('6', allStopped(), null)
    expect(plan.plan.map((c) => c.action)).toEqual(['resize', 'start', 'start', 'start'])
    expect(plan.counts).toEqual({start: 3, stop: 0, resize: 1, wait: 0, leftAlone: 0})
    expect(plan.upstream).toEqual({
      before: null,
      after: ['app-1', 'app-2', 'app-3'].map((account) => ({account, port: 8080, server: null})),
      entries: ['app-1', 'app-2', 'app-3'].map((account) => ({change: 'joins', account, port: 8080, server: null})),
      drain: [],
      drainAccounts: [],
      changed: null,
    })
    expect(plan.cost).toMatchObject({hourlyUsd: 0.0576, freeTierHoursPerHour: 3, needsAllowPaid: true, unknownPrice: []})
    expect(plan.cost.paid).toEqual([{account: 'lb', type: 't2.medium', region: 'ap-northeast-2', free: false, hourlyUsd: 0.0576, startedByRun: true}])
    expect(plan.warnings.map((w) => w.kind)).toEqual(['paid-type'])
    expect(plan.converged).toBe(false)
  })

  test('Given architecture 6, When planning architecture 3, Then the LB goes back to t2.micro, app-3 is drained then stopped, nothing paid', () => {
    const plan = up('3', arch6(), arch6Upstream)
    expect(plan.plan.map((c) => [c.account, c.action])).toEqual([['lb', 'resize'], ['app-1', 'none'], ['app-2', 'none'], ['app-3', 'stop']])
    expect(plan.plan[0]!.steps).toEqual(['stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'])
    expect(plan.upstream.drain).toEqual(['3.35.0.3:8080'])
    expect(plan.upstream.drainAccounts).toEqual(['app-3'])
    expect(plan.upstream.after.map((a) => a.server)).toEqual(['3.35.0.1:8080', '3.35.0.2:8080'])
    expect(plan.upstream.entries.map((e) => [e.change, e.server, e.reason])).toEqual([
      ['stays', '3.35.0.1:8080', undefined],
      ['stays', '3.35.0.2:8080', undefined],
      ['leaves', '3.35.0.3:8080', 'stops'],
    ])
    expect(plan.upstream.changed).toBe(true)
    expect(plan.cost).toMatchObject({hourlyUsd: 0, paid: [], freeTierHoursPerHour: 3, needsAllowPaid: false})
    expect(plan.warnings).toEqual([])
  })

  test('Given architecture 2, When planning architecture 6, Then the running LB is stopped, resized and started, app-2 and app-3 join with new IPs', () => {
    const actual = fleet({lb: instance('lb', 'running'), 'app-1': instance('app-1', 'running'), 'app-2': instance('app-2', 'stopped'), 'app-3': instance('app-3', 'stopped')})
    const plan = up('6', actual, ['3.35.0.1:8080'])
    expect(plan.plan[0]).toEqual({
      account: 'lb', action: 'resize', from: {state: 'running', type: 't2.micro'}, to: {state: 'running', type: 't2.medium'},
      steps: ['stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'],
    })
    expect(plan.upstream.entries.map((e) => [e.change, e.server ?? `${e.account} (new IP)`])).toEqual([
      ['stays', '3.35.0.1:8080'],
      ['joins', 'app-2 (new IP)'],
      ['joins', 'app-3 (new IP)'],
    ])
    expect(plan.upstream.drain).toEqual([])
    expect(plan.cost.needsAllowPaid).toBe(true)
  })

  test('Given architecture 6 running as it should, When planning architecture 6 again, Then converged', () => {
    const plan = up('6', arch6(), arch6Upstream)
    expect(plan.converged).toBe(true)
    expect(plan.plan.every((c) => c.action === 'none' && c.steps.length === 0)).toBe(true)
    expect(plan.upstream.changed).toBe(false)
    expect(plan.cost.needsAllowPaid).toBe(false)
    expect(plan.cost.hourlyUsd).toBe(0.0576)
  })

  test('Given architecture 6 but a stale upstream, When planning architecture 6, Then not converged: the upstream is synced', () => {
    const plan = up('6', arch6(), ['3.35.0.1:8080', '3.35.0.2:8080', '54.1.1.1:8080'])
    expect(plan.converged).toBe(false)
    expect(plan.upstream.entries.filter((e) => e.change !== 'stays').map((e) => [e.change, e.server, e.reason])).toEqual([
      ['leaves', '54.1.1.1:8080', 'unknown-server'],
      ['joins', '3.35.0.3:8080', undefined],
    ])
    expect(plan.upstream.drain).toEqual([])
  })
})

describe('planUp: transitional states', () => {
  test('Given every transitional state, When planning architecture 3, Then each is waited out, never plain none', () => {
    const actual = fleet({
      lb: instance('lb', 'pending', 't2.micro'),
      'app-1': instance('app-1', 'stopping'),
      'app-2': instance('app-2', 'pending'),
      'app-3': instance('app-3', 'pending'),
    })
    const plan = up('3', actual, null)
    expect(plan.plan.map((c) => [c.account, c.action, c.steps.join(' ')])).toEqual([
      ['lb', 'none', 'wait-running wait-status-ok'],
      ['app-1', 'start', 'wait-stopped start wait-running wait-status-ok'],
      ['app-2', 'none', 'wait-running wait-status-ok'],
      ['app-3', 'stop', 'wait-running stop wait-stopped'],
    ])
    expect(plan.counts).toEqual({start: 1, stop: 1, resize: 0, wait: 2, leftAlone: 0})
    expect(plan.converged).toBe(false)
    expect(plan.upstream.drainAccounts).toEqual(['app-3'])
  })

  test('Given a stopping idle account, When planning, Then it is waited for until stopped and the plan is not converged', () => {
    const plan = up('3', fleet({...Object.fromEntries(arch6()), 'app-3': instance('app-3', 'stopping')}), ['3.35.0.1:8080', '3.35.0.2:8080'], (i) => {
      i.desired = i.desired.map((d) => (d.account === 'lb' ? {...d, type: 't2.medium'} : d))
    })
    expect(plan.plan[3]).toMatchObject({action: 'none', steps: ['wait-stopped'], to: {state: 'stopped'}})
    expect(plan.counts.wait).toBe(1)
    expect(plan.converged).toBe(false)
  })

  test('Given a pending app, When planning, Then it keeps its IP in the upstream (it is not started by the run)', () => {
    const plan = up('6', fleet({...Object.fromEntries(arch6()), 'app-2': instance('app-2', 'pending')}), arch6Upstream)
    expect(plan.upstream.after.map((a) => a.server)).toEqual(arch6Upstream)
    expect(plan.upstream.changed).toBe(false)
    expect(plan.converged).toBe(false)
  })
})

describe('planUp: instances fleet leaves alone', () => {
  test('Given app-2 terminated and app-3 not found, When planning architecture 6, Then both are named, left alone, and the upstream goes without them', () => {
    const plan = up('6', fleet({lb: instance('lb', 'running', 't2.medium'), 'app-1': instance('app-1', 'running'), 'app-2': instance('app-2', 'terminated'), 'app-3': null}), arch6Upstream.slice(0, 1))
    expect(plan.counts.leftAlone).toBe(2)
    expect(plan.upstream.after.map((a) => a.account)).toEqual(['app-1'])
    expect(plan.warnings.filter((w) => w.kind === 'left-alone').map((w) => w.message)).toEqual([
      'app-2: the instance is terminated: fleet never launches instances; the upstream goes without it.',
      'app-3: no instance found: left alone; the upstream goes without it.',
    ])
    expect(plan.cost.running.map((r) => r.account)).toEqual(['lb', 'app-1'])
    expect(plan.converged).toBe(true)
  })

  test('Given every app server gone, When planning, Then a warning says the upstream is left as it is', () => {
    const plan = up('2', fleet({lb: instance('lb', 'running'), 'app-1': null, 'app-2': instance('app-2', 'stopped'), 'app-3': instance('app-3', 'stopped')}), ['3.35.0.1:8080'])
    expect(plan.warnings.map((w) => w.kind)).toContain('empty-upstream')
  })
})

describe('planUp: cost', () => {
  test('Given a type outside the price table, When it will run, Then "price unknown", still paid and needing --allow-paid', () => {
    const plan = up('6', allStopped(), null, (i) => {
      i.desired = i.desired.map((d) => (d.account === 'lb' ? {...d, type: 'm7i.large'} : d))
    })
    expect(plan.cost).toMatchObject({hourlyUsd: 0, needsAllowPaid: true, freeTierHoursPerHour: 3})
    expect(plan.cost.unknownPrice.map((r) => r.type)).toEqual(['m7i.large'])
    expect(plan.warnings.map((w) => w.message)).toContain('lb: m7i.large is not in freeTypes and its price in ap-northeast-2 is unknown to fleet: counted as paid.')
  })

  test('Given a region not in the price table, When a paid type runs there, Then its price is unknown', () => {
    const plan = up('6', allStopped(), null, (i) => {
      i.regions = new Map([...i.regions, ['lb', 'eu-west-1']])
    })
    expect(plan.cost.unknownPrice.map((r) => `${r.account} ${r.region}`)).toEqual(['lb eu-west-1'])
  })

  test('Given freeTypes holding t2.medium, When planning architecture 6, Then nothing is paid and four free-tier hours are used per hour', () => {
    const plan = up('6', allStopped(), null, (i) => {
      i.freeTypes = ['t2.micro', 't2.medium']
    })
    expect(plan.cost).toMatchObject({paid: [], hourlyUsd: 0, freeTierHoursPerHour: 4, needsAllowPaid: false})
  })

  test('Given a paid app type in us-east-1, When it starts, Then its price adds to the LB\'s', () => {
    const plan = up('6', fleet({...Object.fromEntries(allStopped()), 'app-1': instance('app-1', 'stopped', 't3.small')}), null, (i) => {
      i.regions = new Map([...i.regions, ['app-1', 'us-east-1']])
    })
    expect(plan.cost.paid.map((r) => [r.account, r.hourlyUsd])).toEqual([['lb', 0.0576], ['app-1', 0.0208]])
    expect(plan.cost.hourlyUsd).toBe(0.0784)
    expect(plan.cost.freeTierHoursPerHour).toBe(2)
  })

  test('Given the paid LB already running, When the plan only stops an app, Then it is priced but needs no --allow-paid', () => {
    const plan = up('4-1', fleet({...Object.fromEntries(arch6())}), arch6Upstream)
    expect(plan.plan.map((c) => c.action)).toEqual(['none', 'none', 'none', 'stop'])
    expect(plan.cost).toMatchObject({hourlyUsd: 0.0576, needsAllowPaid: false})
  })
})

describe('planUp: CPU credits', () => {
  test('Given t3 instances with unlimited credits, When they will run, Then a warning with the command that sets them to standard', () => {
    const actual = fleet({
      lb: instance('lb', 'stopped', 't2.micro'),
      'app-1': instance('app-1', 'stopped', 't3.micro', {cpuCredits: 'unlimited'}),
      'app-2': instance('app-2', 'running', 't3.micro', {cpuCredits: 'standard'}),
      'app-3': instance('app-3', 'running', 't4g.small', {cpuCredits: 'unlimited'}),
    })
    const plan = up('4-1', actual, null)
    const credits = plan.warnings.filter((w) => w.kind === 'cpu-credits-unlimited')
    expect(credits).toEqual([
      {
        kind: 'cpu-credits-unlimited',
        account: 'app-1',
        message: 'app-1: t3.micro runs with unlimited CPU credits: surplus credits are billed under load. Set them to standard with:',
        command: 'aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=i-0app1,CpuCredits=standard" --region ap-northeast-2',
      },
    ])
  })

  test('Given unlimited credits on a t2 LB and on an instance that stops, When planning, Then only the running t2 is warned about', () => {
    const actual = fleet({
      lb: instance('lb', 'running', 't2.medium', {cpuCredits: 'unlimited'}),
      'app-1': instance('app-1', 'running', 't3.micro'),
      'app-2': instance('app-2', 'running', 't3.micro'),
      'app-3': instance('app-3', 'running', 't3a.micro', {cpuCredits: 'unlimited'}),
    })
    const plan = up('4-1', actual, null)
    expect(plan.warnings.filter((w) => w.kind === 'cpu-credits-unlimited').map((w) => w.account)).toEqual(['lb'])
  })
})

describe('planUp: the upstream', () => {
  test('Given nginx.address private, When apps start, Then they keep their private IPs (no "new IP")', () => {
    const plan = up('6', allStopped(), ['172.31.0.1:8080'], (i) => {
      i.address = 'private'
    })
    expect(plan.upstream.after.map((a) => a.server)).toEqual(['172.31.0.1:8080', '172.31.0.2:8080', '172.31.0.3:8080'])
    expect(plan.upstream.entries.map((e) => e.change)).toEqual(['stays', 'joins', 'joins'])
  })

  test('Given architecture 1, When planning from architecture 6, Then the LB serves too and app-1 serves two ports', () => {
    const plan = up('1', arch6(), arch6Upstream)
    expect(plan.upstream.after.map((a) => a.server ?? `${a.account}:${a.port} (new IP)`)).toEqual(['13.124.0.10:8080', '3.35.0.1:8080', '3.35.0.1:8081'])
    expect(plan.upstream.entries.filter((e) => e.change === 'leaves').map((e) => [e.account, e.reason])).toEqual([['app-2', 'stops'], ['app-3', 'stops']])
    expect(plan.upstream.drain).toEqual(['3.35.0.2:8080', '3.35.0.3:8080'])
  })

  test('Given an upstream holding a server of an account outside the architecture that is already stopped, When planning, Then it leaves, not drained', () => {
    const actual = fleet({...Object.fromEntries(arch6()), 'app-3': instance('app-3', 'stopped')})
    const plan = up('3', actual, ['3.35.0.1:8080', '3.35.0.2:8080', '172.31.0.3:8080'], (i) => {
      i.desired = i.desired.map((d) => (d.account === 'lb' ? {...d, type: 't2.medium'} : d))
    })
    expect(plan.upstream.entries.at(-1)).toMatchObject({change: 'leaves', account: 'app-3', reason: 'not-in-architecture'})
    expect(plan.upstream.drain).toEqual([])
  })
})
