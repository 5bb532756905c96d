import type {Instance} from '@aws-sdk/client-ec2'
import {describe, expect, it} from 'vitest'

import {freeTierOf, hoursUsed, observe, prune, stoppedAt} from './free-tier-ledger.js'

const running = (id: string, launch: string, type = 't2.micro'): Instance => ({
  InstanceId: id,
  InstanceType: type as Instance['InstanceType'],
  LaunchTime: new Date(launch),
  State: {Name: 'running'},
})
const stopped = (id: string, launch: string, at: string, type = 't2.micro'): Instance => ({
  InstanceId: id,
  InstanceType: type as Instance['InstanceType'],
  LaunchTime: new Date(launch),
  State: {Name: 'stopped'},
  StateTransitionReason: `User initiated (${at} GMT)`,
})

describe('free-tier hours', () => {
  const now = new Date('2026-11-26T12:00:00Z')

  it('reads the stop time from the state transition reason', () => {
    expect(stoppedAt(stopped('i-1', '2026-11-20T08:00:00Z', '2026-11-20 10:30:00'))).toBe('2026-11-20T10:30:00.000Z')
    expect(stoppedAt({StateTransitionReason: ''})).toBeNull()
  })

  it('sums the sessions seen this month, running ones up to now', () => {
    let ledger = observe({}, [stopped('i-1', '2026-11-20T08:00:00Z', '2026-11-20 10:00:00')], now)
    ledger = observe(ledger, [running('i-1', '2026-11-26T09:00:00Z')], now)
    expect(hoursUsed(ledger, ['t2.micro'], now)).toBe(5)
  })

  it('clips a session that began last month to the first of this month', () => {
    const ledger = observe({}, [running('i-1', '2026-10-31T22:00:00Z')], new Date('2026-11-01T03:00:00Z'))
    expect(hoursUsed(ledger, ['t2.micro'], new Date('2026-11-01T03:00:00Z'))).toBe(3)
  })

  it('counts only the free types', () => {
    const ledger = observe({}, [running('i-1', '2026-11-26T10:00:00Z', 't2.medium')], now)
    expect(hoursUsed(ledger, ['t2.micro'], now)).toBe(0)
  })

  it('closes a session seen running when the instance is later seen stopped', () => {
    const seenAt = new Date('2026-11-26T10:00:00Z')
    let ledger = observe({}, [running('i-1', '2026-11-26T08:00:00Z')], seenAt)
    ledger = observe(ledger, [{...stopped('i-1', '2026-11-26T08:00:00Z', '2026-11-26 11:00:00')}], now)
    expect(hoursUsed(ledger, ['t2.micro'], now)).toBe(3)
  })

  it('prunes sessions that ended before last month and gives the plan allowance', () => {
    const old = observe({}, [stopped('i-1', '2026-09-01T00:00:00Z', '2026-09-02 00:00:00')], now)
    expect(Object.keys(prune(old, now))).toHaveLength(0)
    expect(freeTierOf('750-hours', {}, ['t2.micro'], now)).toEqual({plan: '750-hours', hoursUsed: 0, hoursAllowed: 750})
    expect(freeTierOf('credits', {}, ['t2.micro'], now).hoursAllowed).toBeNull()
  })
})
