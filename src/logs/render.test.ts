import {describe, expect, test} from 'vitest'

import type {HostOutcome} from './logs.js'
import {hostJson, hostProblem, lineFormatter, wantsColor} from './render.js'

const outcome = (over: Partial<HostOutcome>): HostOutcome => ({
  account: 'app-2',
  source: 'app',
  label: 'app-2',
  instanceId: 'i-0abc',
  ok: true,
  skipped: null,
  error: null,
  nextSteps: [],
  ...over,
})

describe('lineFormatter', () => {
  test('pads every label to the longest', () => {
    const format = lineFormatter(['lb/nginx', 'app-1'], {color: false})
    expect(format('app-1', 'GET / 200')).toBe('app-1    | GET / 200')
    expect(format('lb/nginx', '')).toBe('lb/nginx | ')
  })

  test('colours the prefix only, one colour per account', () => {
    const format = lineFormatter(['app-1', 'app-2'], {color: true})
    expect(format('app-1', 'x')).toBe('\u001B[36mapp-1 |\u001B[39m x')
    expect(format('app-2', 'x')).toBe('\u001B[33mapp-2 |\u001B[39m x')
  })

  test('colour on a terminal only, and never with NO_COLOR or TERM=dumb', () => {
    expect(wantsColor({isTTY: true}, {})).toBe(true)
    expect(wantsColor({isTTY: false}, {})).toBe(false)
    expect(wantsColor({}, {})).toBe(false)
    expect(wantsColor({isTTY: true}, {NO_COLOR: '1'})).toBe(false)
    expect(wantsColor({isTTY: true}, {TERM: 'dumb'})).toBe(false)
  })
})

describe('hostProblem', () => {
  test('a skipped host, a failed one with its next steps, nothing for one that streamed', () => {
    expect(hostProblem(outcome({skipped: 'stopped'}))).toBe('app-2: stopped, skipped')
    const failed = outcome({ok: false, error: {code: 'SshUnreachable', message: 'Cannot reach app-2'}, nextSteps: ['Check the security group.']})
    expect(hostProblem(failed)).toBe('app-2: Cannot reach app-2\n  → Check the security group.')
    expect(hostProblem(outcome({}))).toBeNull()
    expect(hostJson(failed)).toEqual({account: 'app-2', source: 'app', instanceId: 'i-0abc', ok: false, skipped: null, error: {code: 'SshUnreachable', message: 'Cannot reach app-2'}})
  })
})
