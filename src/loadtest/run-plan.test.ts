import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import type {ObservedInstance} from '../plan/up-plan.js'
import {profileFromText} from '../profile/load.js'
import {renderRunPlan, summaryLine} from './plan-render.js'
import {afterPlan, CHANGE_MINUTES, planRun, STEP_OVERHEAD_MS} from './run-plan.js'
import {type LoadtestSettings, targetOf} from './settings.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {name: 'example', file: '/x/example.yaml', env: {}})

const observed = (account: string, state: string, type = 't2.micro'): ObservedInstance => ({
  id: `i-0${account.replace('-', '')}`,
  state,
  type,
  publicIp: state === 'running' ? `3.35.0.${account.length}` : null,
  privateIp: `172.31.0.${account.length}`,
})
const allStopped = () => new Map(['lb', 'app-1', 'app-2', 'app-3'].map((a): [string, ObservedInstance | null] => [a, observed(a, 'stopped')]))

const settings = (archs: string[], extra: Partial<LoadtestSettings> = {}): LoadtestSettings => ({
  archs,
  users: [500, 1000],
  thinkMs: 1000,
  durationMs: 60_000,
  warmupMs: 10_000,
  engine: 'autocannon',
  target: targetOf('https://parking.example.com/', undefined),
  address: {account: 'lb', kind: 'public'},
  down: false,
  ...extra,
})

describe('planRun: one plan for the whole run', () => {
  test('Given everything stopped, When planning 3 then 6, Then 6 is planned from the fleet as 3 leaves it', () => {
    const plan = planRun(example, settings(['3', '6']), allStopped(), null)
    const actions = plan.archs.map((a) => a.up.plan.map((c) => `${c.account} ${c.action}${c.to.type ? ` ${c.to.type}` : ''}`))
    expect(actions).toEqual([
      ['lb start t2.micro', 'app-1 start t2.micro', 'app-2 start t2.micro', 'app-3 none t2.micro'],
      // The LB runs as t2.micro after 3: resized while running means stop, change type, start.
      ['lb resize t2.medium', 'app-1 none t2.micro', 'app-2 none t2.micro', 'app-3 start t2.micro'],
    ])
    expect(plan.archs[1]!.up.plan[0]!.steps).toEqual(['stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'])
    // The upstream after 3 is not known (new public IPs), so 6's "before" is not either.
    expect(plan.archs[1]!.up.upstream.before).toBeNull()
    expect(plan.steps).toBe(4)
    expect(plan.needsAllowPaid).toBe(true)
  })

  test('the estimate: each architecture\'s changes (the slowest account) and its steps, its instances priced for that time', () => {
    const plan = planRun(example, settings(['3', '6']), allStopped(), null)
    const stepsMinutes = (2 * (10_000 + 60_000 + STEP_OVERHEAD_MS)) / 60_000
    expect(plan.archs.map((a) => a.minutes)).toEqual([CHANGE_MINUTES.start + stepsMinutes, CHANGE_MINUTES.resize + stepsMinutes])
    expect(plan.minutes).toBeCloseTo(7 + 2 * stepsMinutes)
    const sixHours = plan.archs[1]!.minutes / 60
    // t2.medium (paid) only during 6; every instance's public IPv4 the whole time it runs.
    expect(plan.estimate.instances).toEqual([
      {type: 't2.medium', hours: Number(sixHours.toFixed(6)), usd: Number((sixHours * 0.0576).toFixed(6)), free: false, priceKnown: true},
      {type: 't2.micro', hours: expect.any(Number), usd: 0, free: true, priceKnown: true},
    ])
    expect(plan.estimate.freeTierHours).toBeCloseTo((3 * plan.archs[0]!.minutes + 3 * plan.archs[1]!.minutes) / 60, 5)
    expect(plan.estimate.publicIpv4.hours).toBeCloseTo((3 * plan.archs[0]!.minutes + 4 * plan.archs[1]!.minutes) / 60, 5)
    expect(plan.estimate.transfer.bytes).toBe(0)
  })

  test('Given the fleet already at 6, When planning 6, Then nothing to change and only the steps take time', () => {
    const at6 = new Map<string, ObservedInstance | null>([['lb', observed('lb', 'running', 't2.medium')], ...['app-1', 'app-2', 'app-3'].map((a): [string, ObservedInstance] => [a, observed(a, 'running')])])
    const upstream = ['app-1', 'app-2', 'app-3'].map((a) => `${observed(a, 'running').publicIp}:8080`)
    const plan = planRun(example, settings(['6']), at6, upstream)
    expect(plan.archs[0]!.up.converged).toBe(true)
    expect(plan.archs[0]!.minutes).toBeCloseTo((2 * 73_000) / 60_000)
    // Already running: confirming needs no --allow-paid, but the run still pays for it.
    expect(plan.needsAllowPaid).toBe(false)
    expect(plan.estimate.totalUsd).toBeGreaterThan(0)
  })

  test('afterPlan: a started instance has a new public IP (unknown yet) and keeps its private one; a stopped one has none', () => {
    const plan = planRun(example, settings(['3']), allStopped(), null)
    const after = afterPlan(plan.archs[0]!.up, allStopped())
    expect(after.get('lb')).toMatchObject({state: 'running', type: 't2.micro', publicIp: null, privateIp: '172.31.0.2'})
    expect(after.get('app-3')).toMatchObject({state: 'stopped', publicIp: null})
  })
})

describe('renderRunPlan', () => {
  test('what the run does, each architecture\'s plan in turn, what is left at the end, one summary line', () => {
    const s = settings(['3', '6'])
    const text = renderRunPlan(planRun(example, s, allStopped(), null), s)
    expect(text.split('\n')[0]).toBe('Load test: architectures 3, 6 in turn; for each, 2 user levels (500, 1000), each a 10s warm-up and 1m measured, think 1s, with autocannon.')
    // The LB starts: its new public IP is known once it is up.
    expect(text.split('\n')[1]).toBe('Target: https://parking.example.com/ → lb\'s public IP:443 (read after up; DNS not used)')
    expect(text).toContain('\nArchitecture 3 (1 of 2):\n  +  start')
    expect(text).toContain('\nArchitecture 6 (2 of 2, after 3):\n  ~  resize  lb     t2.micro → t2.medium: stop, change type, then start')
    expect(text).toContain('\nAt the end: the fleet stays at architecture 6, running and costing (add --down to stop it).\n')
    expect(text.split('\n').at(-1)).toMatch(/^Run: 2 architectures, 4 steps, about 12 min · ~\$0\.0\d \+ transfer · 0\.\d+ free-tier hours$/)
    const down = renderRunPlan(planRun(example, settings(['6'], {down: true, thinkMs: 0, warmupMs: 0}), allStopped(), null), settings(['6'], {down: true, thinkMs: 0, warmupMs: 0}))
    expect(down).toContain('each 1m measured, think 0 (as fast as they can)')
    expect(down).toContain('At the end: every instance of the profile is stopped (--down), after Ctrl-C too.')
  })

  test('the target\'s address when it is known before the run: the private IP (it stays), or the public IP of an LB that no architecture restarts', () => {
    const privately = settings(['3', '6'], {address: {account: 'lb', kind: 'private'}})
    expect(renderRunPlan(planRun(example, privately, allStopped(), null), privately).split('\n')[1]).toBe('Target: https://parking.example.com/ → 172.31.0.2:443 (lb\'s private IP; DNS not used)')
    const running = new Map([...allStopped()].map(([a]): [string, ObservedInstance | null] => [a, observed(a, 'running')]))
    const byIp = settings(['3'], {target: targetOf(undefined, '/slots')})
    expect(renderRunPlan(planRun(example, byIp, running, null), byIp).split('\n')[1]).toBe('Target: http://3.35.0.2/slots → 3.35.0.2:80 (lb\'s public IP; DNS not used)')
  })

  test('a type without a known price is said so', () => {
    const plan = planRun(example, settings(['6']), allStopped(), null)
    plan.estimate.instances[0]!.priceKnown = false
    expect(summaryLine(plan)).toMatch(/~\$0\.\d\d \+ price unknown \+ transfer/)
  })
})
