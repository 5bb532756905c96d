import {describe, expect, test} from 'vitest'

import {step, storySteps} from './fixtures/story.js'
import {VERDICT_THRESHOLDS, verdictOf, verdicts} from './verdict.js'

describe('the verdict on the story\'s own sweep', () => {
  const all = verdicts(storySteps())
  const byArch = Object.fromEntries(all.map((v) => [v.arch, v]))

  test('every architecture gets one verdict, in the order of the run', () => {
    expect(all.map((v) => [v.arch, v.bottleneck])).toEqual([
      ['1', 'lb-cpu'],
      ['2', 'app-cpu'],
      ['3', 'lb-cpu'],
      ['4-1', 'outside-fleet'],
      ['4-2', 'outside-fleet'],
      ['5', 'outside-fleet'],
      ['6', 'outside-fleet'],
    ])
  })

  test('arch 3: 1600 users -> 690 RPS with nginx CPU in the story\'s 75-95% is the LB', () => {
    expect(byArch['3']!.why).toBe(
      "RPS stopped growing: 690 RPS at 1,600 users, +2% over 675 RPS at 1,000 users, while the LB's CPU was at 93% (≥ 85%); busiest app server app-1 at 51%.",
    )
  })

  test('arch 2: one app server at 97% with nginx on its own host is the app', () => {
    expect(byArch['2']!.why).toBe(
      "RPS stopped growing: 650 RPS at 1,200 users, +2% over 640 RPS at 900 users, while app server app-1's CPU was at 97% (≥ 85%); the LB's CPU at 58%.",
    )
  })

  test('arch 4-2: a third app server adds nothing and nobody is busy: outside the fleet', () => {
    expect(byArch['4-2']!.why).toBe(
      "RPS stopped growing: 925 RPS at 2,500 users, +2% over 910 RPS at 2,000 users, with neither host near saturation (the LB's CPU at 48% and the busiest app server app-1 at 44%): the limit is outside the fleet's hosts (database, Redis, the network).",
    )
  })

  test('arch 6: 3000 -> 1200 gains 4% over 2000 users: flat, below the 5% threshold', () => {
    expect(byArch['6']!.bottleneck).toBe('outside-fleet')
    expect(byArch['6']!.why).toContain('+4% over 1,150 RPS at 2,000 users')
  })
})

describe('rules', () => {
  test('RPS still growing by 5% or more at the last level: none', () => {
    const steps = [step('6', 500, 490, {lb: 20, apps: {'app-1': 30}}), step('6', 1000, 970, {lb: 31, apps: {'app-1': 52}})]
    expect(verdictOf('6', steps)).toEqual({
      arch: '6',
      bottleneck: 'none',
      why: "RPS still grows with users: 490 → 970 RPS (+98%) from 500 to 1,000 users, with the LB's CPU at 31% and the busiest app server app-1 at 52%.",
    })
    // Exactly at the threshold still counts as growing.
    const edge = [step('6', 1000, 1000, {lb: 90, apps: {}}), step('6', 2000, 1000 * (1 + VERDICT_THRESHOLDS.flatGain), {lb: 95, apps: {}})]
    expect(verdictOf('6', edge).bottleneck).toBe('none')
  })

  test('"worker_connections are not enough" wins over everything, naming the first level it appeared', () => {
    const steps = [
      step('6', 1000, 975, {lb: 30, apps: {'app-1': 40}}),
      step('6', 2000, 1010, {lb: 92, apps: {'app-1': 41}, nginxWorkerConnections: true, errors: 312, non2xx: 5}),
      step('6', 3000, 1020, {lb: 95, apps: {'app-1': 41}, nginxWorkerConnections: true}),
    ]
    expect(verdictOf('6', steps)).toEqual({
      arch: '6',
      bottleneck: 'nginx-connections',
      why: 'nginx\'s error log said "worker_connections are not enough" at 2,000 users (1,010 RPS, 312 errors, 5 non-2xx), with the LB\'s CPU at 92%.',
    })
  })

  test('one nginx worker pins one core of a 2-vCPU LB: lb-cpu although the average is 50%', () => {
    const steps = [step('4-1', 1000, 700, {lb: 48, lbMaxCore: 97, apps: {'app-1': 40}}), step('4-1', 2000, 705, {lb: 50, lbMaxCore: 98, apps: {'app-1': 41}})]
    const v = verdictOf('4-1', steps)
    expect(v.bottleneck).toBe('lb-cpu')
    expect(v.why).toContain('one LB core was at 98% (≥ 95%: a single nginx worker) with the LB at 50% overall')
  })

  test('both saturated: the busier host is named; a tie goes to the LB', () => {
    const busierApp = [step('x', 1000, 700, {lb: 86, apps: {'app-1': 99}}), step('x', 2000, 701, {lb: 87, apps: {'app-1': 99}})]
    expect(verdictOf('x', busierApp).bottleneck).toBe('app-cpu')
    const tie = [step('x', 1000, 700, {lb: 90, apps: {'app-1': 90}}), step('x', 2000, 701, {lb: 90, apps: {'app-1': 90}})]
    expect(verdictOf('x', tie).bottleneck).toBe('lb-cpu')
  })

  test('RPS falling at the last level is flat too, and the drop is shown with its sign', () => {
    const steps = [step('3', 1000, 700, {lb: 93, apps: {}}), step('3', 1600, 610, {lb: 97, apps: {}, errors: 40})]
    const v = verdictOf('3', steps)
    expect(v.bottleneck).toBe('lb-cpu')
    expect(v.why).toContain('610 RPS at 1,600 users (40 errors, 0 non-2xx), −13% over 700 RPS')
    expect(v.why).toContain('no app servers')
  })

  test('a single user level: a saturated host is named, otherwise none', () => {
    expect(verdictOf('3', [step('3', 1600, 690, {lb: 93, apps: {'app-1': 50}})]).why).toBe(
      "690 RPS at 1,600 users (one user level only), while the LB's CPU was at 93% (≥ 85%); busiest app server app-1 at 50%.",
    )
    expect(verdictOf('6', [step('6', 100, 99, {lb: 5, apps: {'app-1': 9}})])).toMatchObject({bottleneck: 'none', why: expect.stringContaining('no host near saturation')})
  })

  test('a flat run with a busy load generator names it as a suspect', () => {
    const steps = [step('6', 1000, 800, {lb: 30, apps: {'app-1': 40}}), step('6', 2000, 810, {lb: 31, apps: {'app-1': 41}, generatorCpu: 99})]
    expect(verdictOf('6', steps).why).toContain('the network, or the load generator itself (99% of a core: try --engine artillery))')
  })

  test('hosts not sampled are said so; steps come in any order; an aborted empty step is ignored', () => {
    const steps = [
      {...step('6', 3000, 0, {lb: null, apps: {'app-1': null}}), aborted: true, requests: 0},
      step('6', 2000, 1010, {lb: null, apps: {'app-1': null}}),
      step('6', 1000, 1000, {lb: null, apps: {'app-1': null}}),
    ]
    const v = verdictOf('6', steps)
    expect(v.bottleneck).toBe('outside-fleet')
    expect(v.why).toContain("the LB's CPU not sampled and the app servers not sampled")
    expect(verdictOf('7', steps)).toEqual({arch: '7', bottleneck: 'none', why: 'No step was measured.'})
  })
})
