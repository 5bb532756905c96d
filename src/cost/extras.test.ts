import type {Address, Instance} from '@aws-sdk/client-ec2'
import {describe, expect, it} from 'vitest'

import {costlyExtras} from './extras.js'

const inst = (id: string, state: string): Instance => ({InstanceId: id, InstanceType: 't2.micro', State: {Name: state as 'running'}})

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

