import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {profileFromText} from '../profile/load.js'
import {type ObservedInstance, planUp, type UpPlanInput, upPlanInput} from './up-plan.js'
import {describeSteps, formatUsd, renderUpPlan, summaryLine} from './up-render.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {
  name: 'example',
  file: '/x/example.yaml',
  env: {},
})

const publicIps: Record<string, string> = {lb: '13.124.0.10', 'app-1': '3.35.0.1', 'app-2': '3.35.0.2', 'app-3': '3.35.0.3'}

function instance(account: string, state: string, type = 't2.micro', extra: Partial<ObservedInstance> = {}): ObservedInstance {
  const publicIp = state === 'running' || state === 'pending' ? publicIps[account]! : null
  return {id: `i-0${account.replace('-', '')}`, state, type, publicIp, privateIp: `172.31.0.${account.length}`, ...extra}
}

const render = (arch: string, actual: Record<string, ObservedInstance | null>, upstreamNow: string[] | null, change?: (i: UpPlanInput) => void) => {
  const input = upPlanInput(example, arch, new Map(Object.entries(actual)), upstreamNow)
  change?.(input)
  return renderUpPlan(planUp(input))
}

const arch6 = {lb: instance('lb', 'running', 't2.medium'), 'app-1': instance('app-1', 'running'), 'app-2': instance('app-2', 'running'), 'app-3': instance('app-3', 'running')}
const arch6Upstream = ['3.35.0.1:8080', '3.35.0.2:8080', '3.35.0.3:8080']

describe('renderUpPlan (golden)', () => {
  test('Given everything stopped, When planning architecture 6, Then the resize, three starts, new IPs and the paid LB', () => {
    const stopped = Object.fromEntries(Object.keys(publicIps).map((a) => [a, instance(a, 'stopped')]))
    expect(render('6', stopped, null)).toBe(`Plan for architecture 6:
  ~  resize  lb     t2.micro → t2.medium: change type, then start  $0.0576/h
  +  start   app-1  t2.micro                                       free tier
  +  start   app-2  t2.micro                                       free tier
  +  start   app-3  t2.micro                                       free tier

Upstream after the run (the current one was not read):
  +  app-1:8080 (new IP)
  +  app-2:8080 (new IP)
  +  app-3:8080 (new IP)

Warnings:
  ! lb: t2.medium is not in freeTypes: $0.0576/h on demand in ap-northeast-2 (prices of 2026-11-30).

Plan: 3 to start, 1 to resize · ~$0.06/h · 3 free-tier hours/h`)
  })

  test('Given architecture 6, When planning architecture 3, Then app-3 is drained and stopped, the LB back on the free type', () => {
    expect(render('3', arch6, arch6Upstream)).toBe(`Plan for architecture 3:
  ~  resize  lb     t2.medium → t2.micro: stop, change type, then start  free tier
             app-1  running t2.micro (no change)                         free tier
             app-2  running t2.micro (no change)                         free tier
  -  stop    app-3  t2.micro (taken out of the upstream first)

Upstream (3 → 2 servers):
     3.35.0.1:8080  app-1
     3.35.0.2:8080  app-2
  -  3.35.0.3:8080  app-3, leaves before it stops

Plan: 1 to resize, 1 to stop · $0/h · 3 free-tier hours/h`)
  })

  test('Given architecture 2, When planning architecture 6, Then the running LB is stopped to resize and two apps join with new IPs', () => {
    const arch2 = {...arch6, lb: instance('lb', 'running'), 'app-2': instance('app-2', 'stopped'), 'app-3': instance('app-3', 'stopped')}
    expect(render('6', arch2, ['3.35.0.1:8080', '54.180.9.9:8080'])).toBe(`Plan for architecture 6:
  ~  resize  lb     t2.micro → t2.medium: stop, change type, then start  $0.0576/h
             app-1  running t2.micro (no change)                         free tier
  +  start   app-2  t2.micro                                             free tier
  +  start   app-3  t2.micro                                             free tier

Upstream (2 → 3 servers):
     3.35.0.1:8080        app-1
  -  54.180.9.9:8080      no instance of the profile has this IP now
  +  app-2:8080 (new IP)
  +  app-3:8080 (new IP)

Warnings:
  ! lb: t2.medium is not in freeTypes: $0.0576/h on demand in ap-northeast-2 (prices of 2026-11-30).

Plan: 2 to start, 1 to resize · ~$0.06/h · 3 free-tier hours/h`)
  })

  test('Given architecture 6 as it should be, When planning architecture 6, Then one line', () => {
    expect(render('6', arch6, arch6Upstream)).toBe('already at architecture 6')
  })

  test('Given a converged fleet with unlimited credits, When planning, Then the line and the credits warning, not the known price', () => {
    const unlimited = {...arch6, 'app-2': instance('app-2', 'running', 't3.micro', {cpuCredits: 'unlimited'})}
    expect(render('6', unlimited, arch6Upstream)).toBe(`already at architecture 6
  ! app-2: t3.micro runs with unlimited CPU credits: surplus credits are billed under load. Set them to standard with:
      aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=i-0app2,CpuCredits=standard" --region ap-northeast-2`)
  })

  test('Given every transitional state, a missing app, unlimited credits and an unknown type, When planning, Then each wait, warning and price is shown', () => {
    const actual = {
      lb: instance('lb', 'pending', 't2.medium'),
      'app-1': instance('app-1', 'stopping', 't3.micro', {cpuCredits: 'unlimited'}),
      'app-2': null,
      'app-3': instance('app-3', 'pending'),
    }
    const text = render('4-1', actual, null, (i) => {
      i.desired = i.desired.map((d) => (d.account === 'lb' ? {...d, type: 'm7i.large'} : d))
    })
    expect(text).toBe(`Plan for architecture 4-1:
  ~  resize  lb     t2.medium → m7i.large: wait until running, stop, change type, then start            price unknown
  +  start   app-1  t3.micro, stopping: wait until stopped, then start                                  free tier
  !  skip    app-2  no instance found: left alone
  -  stop    app-3  t2.micro, pending: wait until running, then stop (taken out of the upstream first)

Upstream after the run (the current one was not read):
  +  app-1:8080 (new IP)

Warnings:
  ! app-2: no instance found: left alone; the upstream goes without it.
  ! app-1: t3.micro runs with unlimited CPU credits: surplus credits are billed under load. Set them to standard with:
      aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=i-0app1,CpuCredits=standard" --region ap-northeast-2
  ! lb: m7i.large is not in freeTypes and its price in ap-northeast-2 is unknown to fleet: counted as paid.

Plan: 1 to start, 1 to resize, 1 to stop, 1 left alone · price unknown · 1 free-tier hour/h`)
  })

  test('Given a pending app to keep and a stopping idle account, When planning architecture 3, Then both are waits', () => {
    const actual = {...arch6, lb: instance('lb', 'running'), 'app-2': instance('app-2', 'pending'), 'app-3': instance('app-3', 'stopping')}
    expect(render('3', actual, ['3.35.0.1:8080', '3.35.0.2:8080'])).toBe(`Plan for architecture 3:
           lb     running t2.micro (no change)                        free tier
           app-1  running t2.micro (no change)                        free tier
  ~  wait  app-2  pending: wait until running and status checks pass  free tier
  ~  wait  app-3  stopping: wait until stopped

Upstream (2 → 2 servers):
     3.35.0.1:8080  app-1
     3.35.0.2:8080  app-2

Plan: 2 to wait for · $0/h · 3 free-tier hours/h`)
  })
})

describe('the summary line', () => {
  test('Given paid types with and without a price, When summarised, Then the known sum plus "price unknown"', () => {
    const stopped = Object.fromEntries(Object.keys(publicIps).map((a) => [a, instance(a, 'stopped')]))
    const input = upPlanInput(example, '6', new Map(Object.entries({...stopped, 'app-1': instance('app-1', 'stopped', 'c9.huge')})), null)
    expect(summaryLine(planUp(input))).toBe('Plan: 3 to start, 1 to resize · ~$0.06/h + price unknown · 2 free-tier hours/h')
  })

  test('Given only the upstream to fix, When summarised, Then it says so', () => {
    const input = upPlanInput(example, '6', new Map(Object.entries(arch6)), ['3.35.0.1:8080'])
    expect(summaryLine(planUp(input))).toBe('Plan: no instance to change, the upstream to sync · ~$0.06/h · 3 free-tier hours/h')
  })
})

describe('helpers', () => {
  test('Given steps, When described, Then the waits a stop or start implies are not repeated', () => {
    expect(describeSteps(['start', 'wait-running', 'wait-status-ok'])).toBe('start')
    expect(describeSteps(['wait-stopped', 'start', 'wait-running', 'wait-status-ok'])).toBe('wait until stopped, then start')
    expect(describeSteps(['stop', 'wait-stopped', 'modify-type'])).toBe('stop, then change type')
    expect(describeSteps(['wait-running', 'wait-status-ok'])).toBe('wait until running and status checks pass')
  })

  test('Given amounts, When formatted, Then cents from a cent up, four decimals below', () => {
    expect(formatUsd(0.0576)).toBe('$0.06')
    expect(formatUsd(0.0065)).toBe('$0.0065')
    expect(formatUsd(1.2)).toBe('$1.20')
  })
})
