import type {Address, Instance} from '@aws-sdk/client-ec2'
import {describe, expect, it} from 'vitest'

import {costlyExtras, pickFleetInstance, viewOf} from './instances.js'

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

  it('finds by id', () => {
    expect(pickFleetInstance([inst('i-0123456789abcdef0', 'running')], {id: 'i-0123456789abcdef0'}, 'x').InstanceId).toBe('i-0123456789abcdef0')
  })
})

describe('costlyExtras', () => {
  it('flags idle Elastic IPs and other running instances, not the fleet one', () => {
    const all = [inst('i-fleet', 'running'), inst('i-other', 'running'), inst('i-off', 'stopped')]
    const addresses: Address[] = [
      {AllocationId: 'eipalloc-idle', PublicIp: '3.3.3.3'},
      {AllocationId: 'eipalloc-used', PublicIp: '3.3.3.4', AssociationId: 'a-1', InstanceId: 'i-fleet'},
      {AllocationId: 'eipalloc-off', PublicIp: '3.3.3.5', AssociationId: 'a-2', InstanceId: 'i-off'},
    ]
    const extras = costlyExtras(all, addresses, (i) => i.InstanceId === 'i-fleet')
    expect(extras.map((e) => [e.kind, e.id])).toEqual([
      ['idle-elastic-ip', 'eipalloc-idle'],
      ['idle-elastic-ip', 'eipalloc-off'],
      ['other-running-instance', 'i-other'],
    ])
  })
})

describe('viewOf', () => {
  it('reports the auto-stop tag and nulls for missing IPs', () => {
    const view = viewOf({...inst('i-1', 'stopped', {'fleet:auto-stop-at': '2026-11-26T15:00:00Z'}), LaunchTime: new Date('2026-11-26T12:00:00Z')})
    expect(view).toEqual({
      id: 'i-1', state: 'stopped', type: 't2.micro', publicIp: null, privateIp: null,
      launchTime: '2026-11-26T12:00:00.000Z', autoStopAt: '2026-11-26T15:00:00Z',
    })
  })
})
