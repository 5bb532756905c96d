import {describe, expect, it} from 'vitest'

import type {IngressRule} from '../aws/ports/security-groups.js'
import {describeRule, hostCidr, isConverged, markFor, planRules} from './rules.js'

const MARK = markFor('test')
let nextId = 0
const rule = (cidr: string | null, port: number, description: string | null = null, extra: Partial<IngressRule> = {}): IngressRule => ({
  id: `sgr-${++nextId}`,
  groupId: 'sg-1',
  protocol: 'tcp',
  fromPort: port,
  toPort: port,
  cidr,
  otherSource: null,
  description,
  ...extra,
})

describe('planRules', () => {
  it('adds the wanted rule and leaves every unmarked rule alone', () => {
    const ssh = rule('0.0.0.0/0', 22)
    const users = rule('1.2.3.4/32', 8080)
    const plan = planRules([ssh, users], [{cidr: '10.0.0.5/32', port: 8080}], MARK)
    expect(plan.authorize).toEqual([{cidr: '10.0.0.5/32', port: 8080}])
    expect(plan.revoke).toEqual([])
    expect(plan.untouched).toEqual([ssh, users])
  })

  it('revokes only stale rules carrying exactly the mark', () => {
    const stale = rule('10.0.0.5/32', 8080, MARK)
    const otherProfile = rule('10.0.0.6/32', 8080, 'fleet:other')
    const prefixed = rule('10.0.0.7/32', 8080, `${MARK} (old)`)
    const plan = planRules([stale, otherProfile, prefixed], [{cidr: '10.0.0.9/32', port: 8080}], MARK)
    expect(plan.authorize).toEqual([{cidr: '10.0.0.9/32', port: 8080}])
    expect(plan.revoke).toEqual([stale])
    expect(plan.untouched).toEqual([otherProfile, prefixed])
  })

  it('is empty when converged, and keeps the rules it wants', () => {
    const ours = [rule('10.0.0.9/32', 8080, MARK), rule('10.0.0.9/32', 8081, MARK)]
    const plan = planRules(ours, [{cidr: '10.0.0.9', port: 8081}, {cidr: '10.0.0.9/32', port: 8080}], MARK)
    expect(isConverged(plan)).toBe(true)
    expect(plan.untouched).toEqual(ours)
  })

  it('adds nothing where an unmarked rule already states the same thing (AWS would refuse a duplicate)', () => {
    const users = rule('10.0.0.9/32', 8080, 'my own rule')
    const plan = planRules([users], [{cidr: '10.0.0.9/32', port: 8080}], MARK)
    expect(isConverged(plan)).toBe(true)
  })

  it('still adds the /32 where only a wider rule admits the address: fleet does not lean on rules it does not own', () => {
    const open = rule('0.0.0.0/0', 8080)
    const range = rule('10.0.0.9/32', 8000, null, {toPort: 8099})
    const plan = planRules([open, range], [{cidr: '10.0.0.9/32', port: 8080}], MARK)
    expect(plan.authorize).toEqual([{cidr: '10.0.0.9/32', port: 8080}])
  })

  it('revokes marked rules of any shape that nothing wants, and all of them when nothing is wanted', () => {
    const all = rule('10.0.0.9/32', -1, MARK, {protocol: '-1'})
    const ipv6 = rule(null, 8080, MARK, {otherSource: '::/0'})
    const range = rule('10.0.0.9/32', 8080, MARK, {toPort: 8081})
    const plan = planRules([all, ipv6, range], [], MARK)
    expect(plan.revoke).toEqual([all, ipv6, range])
    expect(plan.authorize).toEqual([])
  })

  it('deduplicates and orders what it adds', () => {
    const plan = planRules([], [{cidr: '10.0.0.2', port: 8081}, {cidr: '10.0.0.1/32', port: 8080}, {cidr: '10.0.0.2/32', port: 8081}], MARK)
    expect(plan.authorize).toEqual([
      {cidr: '10.0.0.1/32', port: 8080},
      {cidr: '10.0.0.2/32', port: 8081},
    ])
  })
})

describe('hostCidr', () => {
  it('makes a /32 of an address and keeps a CIDR', () => {
    expect(hostCidr('54.1.2.3')).toBe('54.1.2.3/32')
    expect(hostCidr('10.0.0.0/8')).toBe('10.0.0.0/8')
  })

  it('refuses what is not IPv4', () => {
    for (const bad of ['', '::1', '1.2.3', 'host.example', '1.2.3.4/x', '1.2.3.4/33']) expect(() => hostCidr(bad)).toThrow(/Not an IPv4 address/)
  })
})

describe('describeRule', () => {
  it('reads like a rule', () => {
    expect(describeRule(rule('1.2.3.4/32', 8080))).toBe('tcp/8080 from 1.2.3.4/32')
    expect(describeRule(rule('1.2.3.4/32', 8000, null, {toPort: 8099}))).toBe('tcp/8000-8099 from 1.2.3.4/32')
    expect(describeRule(rule(null, -1, null, {protocol: '-1', otherSource: 'sg-9'}))).toBe('all from sg-9')
    expect(describeRule(rule('0.0.0.0/0', -1, null, {protocol: 'icmp'}))).toBe('icmp from 0.0.0.0/0')
  })
})
