import {describe, expect, test} from 'vitest'

import type {DesiredAccount} from './desired.js'
import {type ActualInstance, isLeftAlone, planChanges} from './plan.js'

const lb = (type: string | null): DesiredAccount => ({account: 'lb', role: 'lb', state: 'running', type, ports: []})
const app = (account: string): DesiredAccount => ({account, role: 'app', state: 'running', type: null, ports: [8080]})
const idle = (account: string): DesiredAccount => ({account, role: 'idle', state: 'stopped', type: null, ports: []})
const actual = (entries: Record<string, ActualInstance | null>) => new Map(Object.entries(entries))
const one = (want: DesiredAccount, state: string, type = 't2.micro') => planChanges([want], actual({[want.account]: {state, type}}))[0]!

describe('planChanges', () => {
  test('Given everything stopped but two, When planning architecture 4-1, Then the LB resizes and starts, app-1 starts, app-3 stops', () => {
    const plan = planChanges(
      [lb('t2.medium'), app('app-1'), app('app-2'), idle('app-3')],
      actual({
        lb: {state: 'stopped', type: 't2.micro'},
        'app-1': {state: 'stopped', type: 't2.micro'},
        'app-2': {state: 'running', type: 't2.micro'},
        'app-3': {state: 'running', type: 't2.micro'},
      }),
    )
    expect(plan).toEqual([
      {account: 'lb', action: 'resize', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.medium'}, steps: ['modify-type', 'start', 'wait-running', 'wait-status-ok']},
      {account: 'app-1', action: 'start', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}, steps: ['start', 'wait-running', 'wait-status-ok']},
      {account: 'app-2', action: 'none', from: {state: 'running', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}, steps: []},
      {account: 'app-3', action: 'stop', from: {state: 'running', type: 't2.micro'}, to: {state: 'stopped', type: 't2.micro'}, steps: ['stop', 'wait-stopped']},
    ])
  })

  test('Given any state, When the type differs, Then resize: reach stopped, change the type, start and wait for status checks', () => {
    const expected = {
      running: ['stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'],
      stopped: ['modify-type', 'start', 'wait-running', 'wait-status-ok'],
      pending: ['wait-running', 'stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'],
      stopping: ['wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'],
    }
    for (const [state, steps] of Object.entries(expected)) {
      expect(one(lb('t2.xlarge'), state, 't2.medium')).toEqual({
        account: 'lb', action: 'resize', from: {state, type: 't2.medium'}, to: {state: 'running', type: 't2.xlarge'}, steps,
      })
    }
  })

  test('Given a type to set on an account that should stop, When planning, Then it resizes without starting', () => {
    const want: DesiredAccount = {account: 'x', role: 'idle', state: 'stopped', type: 't3.micro', ports: []}
    expect(one(want, 'running')).toMatchObject({action: 'resize', to: {state: 'stopped', type: 't3.micro'}, steps: ['stop', 'wait-stopped', 'modify-type']})
  })

  test('Given an instance to be running, When it is in each state, Then stopping waits then starts and pending is waited for', () => {
    expect(one(app('a'), 'stopped')).toMatchObject({action: 'start', steps: ['start', 'wait-running', 'wait-status-ok']})
    expect(one(app('a'), 'stopping')).toMatchObject({action: 'start', steps: ['wait-stopped', 'start', 'wait-running', 'wait-status-ok']})
    expect(one(app('a'), 'pending')).toMatchObject({action: 'none', to: {state: 'running'}, steps: ['wait-running', 'wait-status-ok']})
    expect(one(app('a'), 'running')).toMatchObject({action: 'none', steps: []})
  })

  test('Given an instance to be stopped, When it is in each state, Then pending waits until running before the stop', () => {
    expect(one(idle('a'), 'running')).toMatchObject({action: 'stop', steps: ['stop', 'wait-stopped']})
    expect(one(idle('a'), 'pending')).toMatchObject({action: 'stop', steps: ['wait-running', 'stop', 'wait-stopped']})
    expect(one(idle('a'), 'stopping')).toMatchObject({action: 'none', to: {state: 'stopped'}, steps: ['wait-stopped']})
    expect(one(idle('a'), 'stopped')).toMatchObject({action: 'none', steps: []})
  })

  test('Given a converged fleet, When planning, Then nothing to do and no step', () => {
    const plan = planChanges(
      [lb('t2.medium'), app('app-1'), idle('app-2')],
      actual({lb: {state: 'running', type: 't2.medium'}, 'app-1': {state: 'running', type: 't2.micro'}, 'app-2': {state: 'stopped', type: 't2.micro'}}),
    )
    expect(plan.map((c) => [c.action, c.steps.length])).toEqual([['none', 0], ['none', 0], ['none', 0]])
  })

  test('Given a null type, When planning, Then the instance keeps whatever type it has', () => {
    expect(one(app('app-1'), 'running', 't3.small')).toMatchObject({action: 'none', to: {state: 'running', type: 't3.small'}})
  })

  test('Given a missing, terminated, shutting-down or unknown-state instance, When planning, Then it is named and left alone', () => {
    const plan = planChanges(
      [app('app-1'), app('app-2'), app('app-3'), lb('t2.medium'), app('app-4')],
      actual({
        'app-1': null,
        'app-2': {state: 'terminated', type: 't2.micro'},
        'app-3': {state: 'shutting-down', type: 't2.micro'},
        lb: {state: 'rebooting', type: 't2.micro'},
      }),
    )
    expect(plan.map((c) => [c.action, c.steps.length, isLeftAlone(c)])).toEqual(Array.from({length: 5}, () => ['none', 0, true]))
    expect(plan[0]).toMatchObject({from: {state: null, type: null}, note: 'no instance found: left alone'})
    expect(plan[1]!.note).toBe('the instance is terminated: fleet never launches instances')
    expect(plan[2]!.note).toMatch(/shutting-down/)
    expect(plan[3]).toMatchObject({note: 'unexpected state rebooting: left alone', to: {state: 'rebooting', type: 't2.micro'}})
    expect(plan[4]!.note).toMatch(/no instance/)
  })
})
