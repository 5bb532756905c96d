import {describe, expect, test} from 'vitest'

import {runCost} from './cost.js'

describe('the cost of a run', () => {
  test('arch 3 then arch 6 for 30 minutes each in Seoul: a t2.medium LB is paid, t2.micro app servers use free hours', () => {
    const cost = runCost({
      region: 'ap-northeast-2',
      freeTypes: ['t2.micro', 't3.micro'],
      instances: [
        // The LB: t2.micro for arch 3, then t2.medium for arch 6.
        {account: 'lb', type: 't2.micro', hours: 0.5},
        {account: 'lb', type: 't2.medium', hours: 0.5},
        {account: 'app-1', type: 't2.micro', hours: 1},
        {account: 'app-2', type: 't2.micro', hours: 1},
        {account: 'app-3', type: 't2.micro', hours: 0.5},
      ],
      lbBytes: 2.5e9,
    })
    expect(cost).toEqual({
      // 0.5 h × $0.0576 + 3.5 IPv4-hours × $0.005 + 2.5 GB × $0.01
      totalUsd: 0.0713,
      instances: [
        {type: 't2.medium', hours: 0.5, usd: 0.0288, free: false, priceKnown: true},
        {type: 't2.micro', hours: 3, usd: 0, free: true, priceKnown: true},
      ],
      freeTierHours: 3,
      publicIpv4: {hours: 3.5, usd: 0.0175},
      transfer: {bytes: 2.5e9, gb: 2.5, usd: 0.025},
    })
  })

  test('a type without a price is flagged, not guessed; an instance without public IPv4 pays none', () => {
    const cost = runCost({region: 'ap-northeast-2', freeTypes: ['t2.micro'], instances: [{account: 'lb', type: 'm7i.large', hours: 2, publicIpv4: false}], lbBytes: 0})
    expect(cost.instances).toEqual([{type: 'm7i.large', hours: 2, usd: 0, free: false, priceKnown: false}])
    expect(cost.publicIpv4).toEqual({hours: 0, usd: 0})
    expect(cost.totalUsd).toBe(0)
  })

  test('an instance in another region is priced there', () => {
    const cost = runCost({region: 'ap-northeast-2', freeTypes: [], instances: [{account: 'lb', type: 't2.medium', hours: 1, region: 'us-east-1'}], lbBytes: 0})
    expect(cost.instances[0]!.usd).toBe(0.0464)
  })
})
