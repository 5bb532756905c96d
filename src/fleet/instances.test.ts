import type {Instance} from '@aws-sdk/client-ec2'
import {describe, expect, it} from 'vitest'

import {pickFleetInstance, viewOf} from './instances.js'

const inst = (id: string, state: string, tags: Record<string, string> = {}): Instance => ({
  InstanceId: id,
  InstanceType: 't2.micro',
  State: {Name: state as 'running'},
  Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value})),
})

describe('pickFleetInstance', () => {
  it('finds exactly one by tag, ignoring terminated instances', () => {
    const all = [inst('i-1', 'terminated', {fleet: 'lb'}), inst('i-2', 'stopped', {fleet: 'lb'}), inst('i-3', 'running')]
    expect(pickFleetInstance(all, {tag: {fleet: 'lb'}}, 'account lb').InstanceId).toBe('i-2')
  })

  it('refuses none and several, naming the ids', () => {
    expect(() => pickFleetInstance([], {tag: {fleet: 'lb'}}, 'account lb')).toThrow(/no instance matches tag fleet=lb/)
    const two = [inst('i-1', 'running', {fleet: 'lb'}), inst('i-2', 'running', {fleet: 'lb'})]
    expect(() => pickFleetInstance(two, {tag: {fleet: 'lb'}}, 'account lb')).toThrow(/2 instances match .*i-1, i-2/)
  })

  it('names an account whose only matching instance is terminated, apart from one it cannot find', () => {
    const all = [inst('i-1', 'terminated', {fleet: 'lb'}), inst('i-2', 'shutting-down', {fleet: 'lb'})]
    expect(() => pickFleetInstance(all, {tag: {fleet: 'lb'}}, 'account lb')).toThrow(
      expect.objectContaining({code: 'InstanceTerminated', message: expect.stringMatching(/only instance matching tag fleet=lb is gone \(i-1 terminated, i-2 shutting-down\)/)}),
    )
    expect(() => pickFleetInstance(all, {tag: {fleet: 'app'}}, 'account lb')).toThrow(expect.objectContaining({code: 'InstanceNotFound'}))
  })

  it('finds by id', () => {
    expect(pickFleetInstance([inst('i-0123456789abcdef0', 'running')], {id: 'i-0123456789abcdef0'}, 'x').InstanceId).toBe('i-0123456789abcdef0')
  })
})

describe('viewOf', () => {
  it('reports the auto-stop tag of a running instance and nulls for missing IPs', () => {
    const view = viewOf({...inst('i-1', 'running', {'fleet:auto-stop-at': '2026-11-26T15:00:00Z'}), LaunchTime: new Date('2026-11-26T12:00:00Z')})
    expect(view).toEqual({
      id: 'i-1', state: 'running', type: 't2.micro', publicIp: null, publicDns: null, privateIp: null,
      launchTime: '2026-11-26T12:00:00.000Z', autoStopAt: '2026-11-26T15:00:00Z',
    })
  })

  it('leaves out the tag of a stopped instance: its own stop is past', () => {
    expect(viewOf(inst('i-1', 'stopped', {'fleet:auto-stop-at': '2026-11-26T15:00:00Z'})).autoStopAt).toBeNull()
  })
})
