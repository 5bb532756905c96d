import type {Instance} from '@aws-sdk/client-ec2'
import type {DBInstance} from '@aws-sdk/client-rds'
import {describe, expect, it} from 'vitest'

import type {ResolvedAccount} from '../profile/load.js'
import {appRulesFor, dbRulesFor, groupOf, mergeWanted, wantedIngress} from './wanted.js'

const account = (name: string, securityGroup?: string): ResolvedAccount =>
  ({name, accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/FleetOperator', region: 'ap-northeast-2', instance: {tag: {fleet: name}}, freePlan: '750-hours', securityGroup}) as ResolvedAccount
const instance = (id: string, groups: string[], publicIp?: string): Instance => ({
  InstanceId: id,
  SecurityGroups: groups.map((GroupId) => ({GroupId, GroupName: GroupId})),
  PublicIpAddress: publicIp,
})
const db = (groups: Array<[string, string]>, port = 3306, pub = true): DBInstance => ({
  DBInstanceIdentifier: 'parking-db',
  PubliclyAccessible: pub,
  Endpoint: {Address: 'parking-db.x.rds.amazonaws.com', Port: port},
  VpcSecurityGroups: groups.map(([VpcSecurityGroupId, Status]) => ({VpcSecurityGroupId, Status})),
})

describe('groupOf', () => {
  it('uses accounts.X.securityGroup if set, else the instance\'s first group, else null', () => {
    expect(groupOf(account('a', 'sg-aaaaaaaa'), instance('i-1', ['sg-11111111']))).toBe('sg-aaaaaaaa')
    expect(groupOf(account('a'), instance('i-1', ['sg-11111111', 'sg-22222222']))).toBe('sg-11111111')
    expect(groupOf(account('a'), instance('i-1', []))).toBeNull()
  })
})

describe('appRulesFor', () => {
  it('admits the LB address as a /32 on each app\'s ports, in the app\'s group', () => {
    const wanted = appRulesFor('54.1.2.3', [
      {account: account('app-1'), instance: instance('i-1', ['sg-11111111']), ports: [8080, 8081]},
      {account: account('app-2', 'sg-22222222'), instance: instance('i-2', ['sg-22222222']), ports: [8080]},
      {account: account('app-3'), instance: instance('i-3', ['sg-33333333']), ports: []},
    ])
    expect(wanted.map((g) => [g.account.name, g.groupId, g.rules, g.warnings])).toEqual([
      ['app-1', 'sg-11111111', [{cidr: '54.1.2.3/32', port: 8080}, {cidr: '54.1.2.3/32', port: 8081}], []],
      ['app-2', 'sg-22222222', [{cidr: '54.1.2.3/32', port: 8080}], []],
      ['app-3', 'sg-33333333', [], []],
    ])
  })

  it('warns when the configured group is not one of the instance\'s', () => {
    const [g] = appRulesFor('10.0.0.1', [{account: account('app-1', 'sg-99999999'), instance: instance('i-1', ['sg-11111111']), ports: [8080]}])
    expect(g!.groupId).toBe('sg-99999999')
    expect(g!.warnings[0]).toMatch(/sg-99999999 is not attached to instance i-1 \(it has sg-11111111\)/)
  })
})

describe('dbRulesFor', () => {
  const apps = [
    {account: account('app-1'), instance: instance('i-1', ['sg-1'], '54.0.0.1'), ports: [8080]},
    {account: account('app-2'), instance: instance('i-2', ['sg-2']), ports: [8080]},
    {account: account('app-3'), instance: instance('i-3', ['sg-3'], '54.0.0.3'), ports: []},
  ]

  it('admits the public IPs of the app servers that have one, on the DB port, in the DB\'s active group', () => {
    const [g] = dbRulesFor({account: account('lb'), instance: db([['sg-old', 'removing'], ['sg-dbdbdbdb', 'active']], 3307)}, apps)
    expect(g).toMatchObject({groupId: 'sg-dbdbdbdb', rules: [{cidr: '54.0.0.1/32', port: 3307}]})
  })

  it('wants nothing (withdraws fleet\'s rules) while the DB is not public', () => {
    const [g] = dbRulesFor({account: account('lb'), instance: db([['sg-dbdbdbdb', 'active']], 3306, false)}, apps)
    expect(g!.rules).toEqual([])
    const [forced] = dbRulesFor({account: account('lb'), instance: db([['sg-dbdbdbdb', 'active']], 3306, false), public: true}, apps)
    expect(forced!.rules).toEqual([{cidr: '54.0.0.1/32', port: 3306}])
  })
})

describe('wantedIngress', () => {
  it('merges app and DB rules that land in the same group', () => {
    const lb = account('lb')
    const apps = [{account: lb, instance: instance('i-lb', ['sg-shared'], '54.0.0.9'), ports: [8080]}]
    const wanted = wantedIngress({lbIp: '54.0.0.9', apps, db: {account: lb, instance: db([['sg-shared', 'active']])}})
    expect(wanted).toHaveLength(1)
    expect(wanted[0]!.rules).toEqual([
      {cidr: '54.0.0.9/32', port: 8080},
      {cidr: '54.0.0.9/32', port: 3306},
    ])
  })

  it('leaves app groups out when the LB has no address', () => {
    const apps = [{account: account('app-1'), instance: instance('i-1', ['sg-1'], '54.0.0.1'), ports: [8080]}]
    expect(wantedIngress({lbIp: null, apps})).toEqual([])
  })
})

describe('mergeWanted', () => {
  it('keeps one entry per account and group, with rules and warnings once', () => {
    const a = account('a')
    const merged = mergeWanted(
      [{account: a, groupId: 'sg-1', rules: [{cidr: '1.1.1.1/32', port: 1}], warnings: ['w']}],
      [{account: a, groupId: 'sg-1', rules: [{cidr: '1.1.1.1/32', port: 1}, {cidr: '2.2.2.2/32', port: 1}], warnings: ['w']}],
      [{account: a, groupId: 'sg-2', rules: [], warnings: []}],
    )
    expect(merged.map((g) => [g.groupId, g.rules.length, g.warnings])).toEqual([
      ['sg-1', 2, ['w']],
      ['sg-2', 0, []],
    ])
  })
})
