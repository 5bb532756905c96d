import {describe, expect, test} from 'vitest'

import type {DesiredAccount} from './desired.js'
import {type ActualInstance, planChanges} from './plan.js'

const lb = (type: string | null): DesiredAccount => ({account: 'lb', role: 'lb', state: 'running', type, ports: []})
const app = (account: string): DesiredAccount => ({account, role: 'app', state: 'running', type: null, ports: [8080]})
const idle = (account: string): DesiredAccount => ({account, role: 'idle', state: 'stopped', type: null, ports: []})
const actual = (entries: Record<string, ActualInstance | null>) => new Map(Object.entries(entries))

describe('planChanges', () => {
  test('from everything stopped to architecture 6', () => {
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
      {account: 'lb', action: 'resize', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.medium'}},
      {account: 'app-1', action: 'start', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}},
      {account: 'app-2', action: 'none', from: {state: 'running', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}},
      {account: 'app-3', action: 'stop', from: {state: 'running', type: 't2.micro'}, to: {state: 'stopped', type: 't2.micro'}},
    ])
  })

  test('resize whenever the type differs, whatever the state', () => {
    for (const state of ['running', 'stopped', 'pending', 'stopping']) {
      const [change] = planChanges([lb('t2.xlarge')], actual({lb: {state, type: 't2.medium'}}))
      expect(change).toMatchObject({action: 'resize', from: {state, type: 't2.medium'}, to: {state: 'running', type: 't2.xlarge'}})
    }
  })

  test('converged: nothing to do', () => {
    const plan = planChanges(
      [lb('t2.medium'), app('app-1'), idle('app-2')],
      actual({lb: {state: 'running', type: 't2.medium'}, 'app-1': {state: 'pending', type: 't2.micro'}, 'app-2': {state: 'stopping', type: 't2.micro'}}),
    )
    expect(plan.map((c) => c.action)).toEqual(['none', 'none', 'none'])
  })

  test('a null type keeps whatever the instance has', () => {
    const [change] = planChanges([app('app-1')], actual({'app-1': {state: 'running', type: 't3.small'}}))
    expect(change).toMatchObject({action: 'none', to: {state: 'running', type: 't3.small'}})
  })

  test('a missing or terminated instance is left alone, with a note', () => {
    const plan = planChanges([app('app-1'), app('app-2'), app('app-3')], actual({'app-1': null, 'app-2': {state: 'terminated', type: 't2.micro'}}))
    expect(plan.map((c) => c.action)).toEqual(['none', 'none', 'none'])
    expect(plan[0]).toMatchObject({from: {state: null, type: null}, note: 'no instance found: left alone'})
    expect(plan[1]!.note).toMatch(/terminated/)
    expect(plan[2]!.note).toMatch(/no instance/)
  })
})
