import {readdirSync, readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {profileFromText} from '../profile/load.js'
import {allActions, permissionPolicy, policiesFor, principalFromCallerArn, trustPolicy} from './policy.js'

const yaml = `
region: ap-northeast-2
hub: { source: env, mfaSerial: "arn:aws:iam::999999999999:mfa/me" }
accounts:
  lb:
    accountId: "111111111111"
    roleArn: arn:aws:iam::111111111111:role/FleetOperator
    externalId: honors-parking
    instance: { tag: { fleet: lb } }
    securityGroup: sg-0aaaaaaaaaaaaaaaa
  app-1:
    accountId: "222222222222"
    roleArn: arn:aws:iam::222222222222:role/FleetOperator
    instance: { id: i-0123456789abcdef0 }
    securityGroup: sg-0123456789abcdef0
rds: { account: lb, instance: parking-db, envFile: /x/.env, public: "a", private: "b" }
`

describe('iam policy', async () => {
  const profile = profileFromText(yaml, {name: 'p', file: '/tmp/p.yaml', env: {}})
  const [lb, app] = profile.accounts

  it('trusts the hub with ExternalId and MFA when the profile uses them', () => {
    const trust = trustPolicy(lb!, 'arn:aws:iam::999999999999:user/me', true)
    expect(trust.Statement[0]).toMatchObject({
      Principal: {AWS: 'arn:aws:iam::999999999999:user/me'},
      Action: 'sts:AssumeRole',
      Condition: {StringEquals: {'sts:ExternalId': 'honors-parking'}, Bool: {'aws:MultiFactorAuthPresent': true}},
    })
    expect(trustPolicy(app!, 'arn:x', false).Statement[0]!.Condition).toBeUndefined()
  })

  it('scopes instance changes to the tag or the id, and RDS to its account', () => {
    const lbPolicy = permissionPolicy(profile, lb!)
    const lbInstance = lbPolicy.Statement.find((s) => s.Sid === 'FleetInstance')!
    expect(lbInstance.Condition).toEqual({StringEquals: {'aws:ResourceTag/fleet': 'lb'}})
    expect(lbPolicy.Statement.find((s) => s.Sid === 'FleetRdsPublicAccess')?.Resource).toBe('arn:aws:rds:ap-northeast-2:111111111111:db:parking-db')

    const appPolicy = permissionPolicy(profile, app!)
    expect(appPolicy.Statement.find((s) => s.Sid === 'FleetInstance')!.Resource).toBe('arn:aws:ec2:ap-northeast-2:222222222222:instance/i-0123456789abcdef0')
    expect(appPolicy.Statement.find((s) => s.Sid === 'FleetSecurityGroupRules')!.Resource).toBe('arn:aws:ec2:ap-northeast-2:222222222222:security-group/sg-0123456789abcdef0')
    expect(appPolicy.Statement.some((s) => s.Sid === 'FleetRdsPublicAccess')).toBe(false)
    // The DB's own group takes the DB rules: the rds account may change any of its groups' rules.
    expect(lbPolicy.Statement.find((s) => s.Sid === 'FleetSecurityGroupRules')!.Resource).toBe('arn:aws:ec2:ap-northeast-2:111111111111:security-group/*')
  })

  it('covers every action fleet calls, once', () => {
    const all = allActions()
    expect(new Set(all).size).toBe(all.length)
    for (const a of ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'rds:ModifyDBInstance', 'ce:GetCostAndUsage', 'cloudwatch:GetMetricData', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']) {
      expect(all).toContain(a)
    }
    const granted = policiesFor(profile, 'arn:x').flatMap((p) => p.permissionPolicy.Statement.flatMap((s) => s.Action))
    for (const a of all.filter((x) => x !== 'rds:ModifyDBInstance')) expect(granted).toContain(a)
  })

  it('trusts the account root when the hub is an assumed role', () => {
    expect(principalFromCallerArn('arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Admin_1/me').principal).toBe('arn:aws:iam::999999999999:root')
    expect(principalFromCallerArn('arn:aws:iam::999999999999:user/me')).toEqual({principal: 'arn:aws:iam::999999999999:user/me', note: null})
  })
})

/**
 * Every `call('service:Action', ...)` the narrow ports make (src/aws/ports),
 * and the role assumption itself: read from the source, so that a new call
 * added without its IAM action fails here.
 */
function actionsCalled(): string[] {
  const dir = new URL('../aws/ports/', import.meta.url)
  const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(new URL(f, dir), 'utf8'))
  const called = sources.flatMap((text) => [...text.matchAll(/call\('([a-z0-9-]+:[A-Za-z0-9]+)'/g)].map((m) => m[1]!))
  return [...new Set(called)].sort()
}

describe('the IAM policy and the calls fleet makes', () => {
  it('finds the calls (the scan is not empty)', () => {
    expect(actionsCalled()).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:AuthorizeSecurityGroupIngress', 'rds:DescribeDBInstances']))
  })

  it('grants every action a port calls, apart from the hub\'s own identity calls', () => {
    // GetCallerIdentity needs no permission: AWS answers it for any principal.
    const hubOnly = new Set(['sts:GetCallerIdentity'])
    const missing = actionsCalled().filter((a) => !hubOnly.has(a) && !allActions().includes(a))
    expect(missing).toEqual([])
  })
})
