/**
 * Security groups follow the IPs, against a real moto server through the
 * recording proxy: fleet's marked /32 rules appear, move with the LB's
 * address (the new one authorized before the stale one is revoked, proved
 * from the order and timing of the recorded requests), converge to no
 * change, and never touch a rule without the profile's mark or an
 * instance's groups. One account's failure leaves the others done.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2'
import {CreateDBInstanceCommand, type DBInstance, DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {AwsProvider} from '../src/aws/provider.js'
import {type Profile, profileFromText} from '../src/profile/load.js'
import {followIps} from '../src/network/follow-ips.js'
import {appRulesFor, type AppServer, wantedIngress} from '../src/network/wanted.js'
import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {accountEc2, HUB_CREDENTIALS, type Moto, roleArn, roleCredentials, startMoto, TEST_AMI, tempDir, uniqueAccountId} from './harness/moto.ts'

const REGION = 'ap-northeast-2'
const MUTATING = ['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress']
const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId(), app3: uniqueAccountId()}
const appIds = {'app-1': ids.app1, 'app-2': ids.app2, 'app-3': ids.app3} as const
type AppName = keyof typeof appIds

let moto: Moto
let proxy: LatencyProxy
const ec2 = {} as Record<AppName | 'lb', EC2Client>
/** Per app account: the group fleet uses, and the rules seeded in it before fleet ran. */
const seeded = {} as Record<AppName, {group: string; firstGroup: string; instance: string; ruleIds: string[]}>

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: proxy.endpoint,
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: `${tempDir('fleet-sg-')}/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${tempDir('fleet-sg-')}/credentials`,
  })
  const accounts = [['lb', ids.lb], ...Object.entries(appIds)] as Array<[AppName | 'lb', string]>
  for (const [name, id] of accounts) ec2[name] = await accountEc2(moto, id)
  for (const name of Object.keys(appIds) as AppName[]) seeded[name] = await seedAppAccount(ec2[name], name)
})

afterAll(async () => {
  for (const client of Object.values(ec2)) client.destroy()
  await proxy?.stop()
  await moto?.stop()
})

beforeEach(() => proxy.clear())

/** Two groups on the instance; the first holds an open SSH rule, a user's 8080 rule and another profile's rule. */
async function seedAppAccount(client: EC2Client, name: AppName) {
  const vpcId = (await client.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId
  const group = async (groupName: string) =>
    (await client.send(new CreateSecurityGroupCommand({GroupName: groupName, Description: `${name} ${groupName}`, VpcId: vpcId}))).GroupId!
  const first = await group('app')
  const second = await group('extra')
  await client.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: first,
      IpPermissions: [
        {IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{CidrIp: '0.0.0.0/0'}]},
        {IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{CidrIp: '1.2.3.4/32', Description: 'my laptop'}]},
        {IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{CidrIp: '9.9.9.9/32', Description: 'fleet:other'}]},
      ],
    }),
  )
  const run = await client.send(
    new RunInstancesCommand({ImageId: TEST_AMI, MinCount: 1, MaxCount: 1, InstanceType: 't2.micro', SecurityGroupIds: [first, second]}),
  )
  const ruleIds = (await rulesOf(client, first)).map((r) => r.id)
  // app-2 names its second group in the profile: fleet must use that one.
  return {group: name === 'app-2' ? second : first, firstGroup: first, instance: run.Instances![0]!.InstanceId!, ruleIds}
}

async function rulesOf(client: EC2Client, groupId: string) {
  const out = await client.send(new DescribeSecurityGroupRulesCommand({Filters: [{Name: 'group-id', Values: [groupId]}]}))
  return (out.SecurityGroupRules ?? [])
    .filter((r) => !r.IsEgress)
    .map((r) => ({id: r.SecurityGroupRuleId!, rule: `${r.FromPort} ${r.CidrIpv4} ${r.Description ?? '-'}`}))
}

async function instanceOf(client: EC2Client, id: string): Promise<Instance> {
  const out = await client.send(new DescribeInstancesCommand({InstanceIds: [id]}))
  return out.Reservations![0]!.Instances![0]!
}

function profileWith(extra: Record<string, string> = {}): Profile {
  const account = (name: string, id: string, more = '') => `  ${name}: { accountId: "${id}", roleArn: "${roleArn(id)}", instance: { tag: { fleet: ${name} } }${more} }`
  const text = [
    `region: ${REGION}`,
    'hub: { source: env }',
    'accounts:',
    account('lb', ids.lb),
    account('app-1', ids.app1),
    account('app-2', ids.app2, `, securityGroup: ${seeded['app-2'].group}`),
    account('app-3', ids.app3),
    ...Object.entries(extra).map(([name, line]) => `  ${name}: ${line}`),
  ].join('\n')
  return profileFromText(text, {name: 'test', file: '/nowhere/test.yaml', env: {}})
}

async function provider(profile: Profile): Promise<AwsProvider> {
  return AwsProvider.create(profile, {
    askMfaCode: () => Promise.reject(new Error('no MFA in this test')),
    env: {AWS_ACCESS_KEY_ID: HUB_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: HUB_CREDENTIALS.secretAccessKey},
    secrets: null,
  })
}

async function apps(profile: Profile, ports = [8080]): Promise<AppServer[]> {
  return Promise.all(
    (Object.keys(appIds) as AppName[]).map(async (name) => ({account: profile.account(name), instance: await instanceOf(ec2[name], seeded[name].instance), ports})),
  )
}

async function follow(lbIp: string, options: {dryRun?: boolean} = {}) {
  const profile = profileWith()
  return followIps({provider: await provider(profile), profileName: 'test', concurrency: 4, ...options}, appRulesFor(lbIp, await apps(profile)))
}

/** The rules fleet must never touch, as they were seeded (ids included). */
async function expectSeededRulesIntact(name: AppName) {
  const now = await rulesOf(ec2[name], seeded[name].firstGroup)
  const kept = now.filter((r) => seeded[name].ruleIds.includes(r.id))
  expect(kept.map((r) => r.rule).sort()).toEqual(['22 0.0.0.0/0 -', '8080 1.2.3.4/32 my laptop', '8080 9.9.9.9/32 fleet:other'])
}

describe('followIps against moto', () => {
  it('adds the marked /32 for the LB on the app port, in the right group, touching nothing else', async () => {
    const results = await follow('54.10.0.1')
    expect(results.map((r) => [r.account, r.ok, r.error])).toEqual([
      ['app-1', true, null],
      ['app-2', true, null],
      ['app-3', true, null],
    ])
    expect(results[0]!.authorized).toEqual([`${seeded['app-1'].group} tcp/8080 from 54.10.0.1/32`])
    for (const name of Object.keys(appIds) as AppName[]) {
      const marked = (await rulesOf(ec2[name], seeded[name].group)).filter((r) => r.rule.endsWith('fleet:test'))
      expect(marked.map((r) => r.rule)).toEqual(['8080 54.10.0.1/32 fleet:test'])
      await expectSeededRulesIntact(name)
    }
    // app-2's configured group got the rule; its first group did not.
    expect((await rulesOf(ec2['app-2'], seeded['app-2'].firstGroup)).some((r) => r.rule.includes('fleet:test'))).toBe(false)
    expect(proxy.count({action: 'RevokeSecurityGroupIngress'})).toBe(0)
  })

  it('when the LB address changes, authorizes the new rule before revoking the stale one', async () => {
    await follow('54.10.0.1')
    proxy.clear()
    const results = await follow('54.10.0.2')
    expect(results.every((r) => r.ok)).toBe(true)
    for (const [name, id] of Object.entries(appIds) as Array<[AppName, string]>) {
      const calls = proxy.records.filter((r) => r.accountId === id && r.action && MUTATING.includes(r.action))
      expect(calls.map((r) => r.action)).toEqual(['AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress'])
      // The revoke was sent only after AWS had answered the authorize.
      expect(calls[0]!.status).toBe(200)
      expect(calls[1]!.startedAt).toBeGreaterThanOrEqual(calls[0]!.endedAt!)
      expect(proxy.records.indexOf(calls[0]!)).toBeLessThan(proxy.records.indexOf(calls[1]!))

      const marked = (await rulesOf(ec2[name], seeded[name].group)).filter((r) => r.rule.endsWith('fleet:test'))
      expect(marked.map((r) => r.rule)).toEqual(['8080 54.10.0.2/32 fleet:test'])
      await expectSeededRulesIntact(name)
    }
    expect(results[0]!.revoked).toEqual([`${seeded['app-1'].group} tcp/8080 from 54.10.0.1/32`])
  })

  it('makes no call that changes anything when nothing is new', async () => {
    await follow('54.10.0.3')
    proxy.clear()
    const results = await follow('54.10.0.3')
    expect(results.every((r) => r.ok && r.authorized.length === 0 && r.revoked.length === 0)).toBe(true)
    expect(proxy.records.filter((r) => r.action && MUTATING.includes(r.action))).toEqual([])
    expect(proxy.count({action: 'DescribeSecurityGroupRules'})).toBe(3)
  })

  it('in a dry run reports the change and makes none', async () => {
    await follow('54.10.0.4')
    proxy.clear()
    const results = await follow('54.10.0.5', {dryRun: true})
    expect(results[0]).toMatchObject({ok: true, dryRun: true, authorized: [expect.stringContaining('54.10.0.5/32')], revoked: [expect.stringContaining('54.10.0.4/32')]})
    expect(proxy.records.filter((r) => r.action && MUTATING.includes(r.action))).toEqual([])
    const marked = (await rulesOf(ec2['app-1'], seeded['app-1'].group)).filter((r) => r.rule.endsWith('fleet:test'))
    expect(marked.map((r) => r.rule)).toEqual(['8080 54.10.0.4/32 fleet:test'])
  })

  it('never changes which groups an instance has, and calls nothing but the security-group reads and rule changes', async () => {
    const before = await Promise.all((Object.keys(appIds) as AppName[]).map(async (n) => (await instanceOf(ec2[n], seeded[n].instance)).SecurityGroups))
    await follow('54.10.0.6')
    const after = await Promise.all((Object.keys(appIds) as AppName[]).map(async (n) => (await instanceOf(ec2[n], seeded[n].instance)).SecurityGroups))
    expect(after).toEqual(before)
    const actions = new Set(proxy.records.filter((r) => r.service === 'ec2').map((r) => r.action))
    expect([...actions].every((a) => ['DescribeSecurityGroupRules', 'DescribeSecurityGroups', 'DescribeInstances', ...MUTATING].includes(a!))).toBe(true)
  })

  it('reports an account whose security-group call fails as ok:false while the others are done', async () => {
    proxy.inject({action: 'DescribeSecurityGroupRules', accountId: ids.app2, kind: 'error', status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized'})
    const results = await follow('54.10.0.7')
    const app2 = results.find((r) => r.account === 'app-2')!
    expect(app2).toMatchObject({ok: false, error: {code: 'AccessDenied'}, authorized: [], revoked: []})
    expect(app2.error!.message).toContain('ec2:DescribeSecurityGroupRules')
    for (const name of ['app-1', 'app-3'] as const) {
      expect(results.find((r) => r.account === name)).toMatchObject({ok: true, error: null})
      const marked = (await rulesOf(ec2[name], seeded[name].group)).filter((r) => r.rule.endsWith('fleet:test'))
      expect(marked.map((r) => r.rule)).toEqual(['8080 54.10.0.7/32 fleet:test'])
    }
    expect(proxy.count({accountId: ids.app2, action: 'AuthorizeSecurityGroupIngress'})).toBe(0)
  })

  it('says so when a configured group does not exist', async () => {
    const ghost = uniqueAccountId()
    const ghostEc2 = await accountEc2(moto, ghost)
    const run = await ghostEc2.send(new RunInstancesCommand({ImageId: TEST_AMI, MinCount: 1, MaxCount: 1}))
    const instance = await instanceOf(ghostEc2, run.Instances![0]!.InstanceId!)
    ghostEc2.destroy()
    const profile = profileWith({ghost: `{ accountId: "${ghost}", roleArn: "${roleArn(ghost)}", instance: { tag: { fleet: ghost } }, securityGroup: sg-0123456789abcdef0 }`})
    const [result] = await followIps(
      {provider: await provider(profile), profileName: 'test', concurrency: 4},
      appRulesFor('54.10.0.8', [{account: profile.account('ghost'), instance, ports: [8080]}]),
    )
    expect(result).toMatchObject({account: 'ghost', ok: false, error: {code: 'SecurityGroupNotFound'}})
    expect(result!.error!.message).toContain('sg-0123456789abcdef0')
  })
})

describe('the security-group port against moto', () => {
  it('treats a rule that appeared or vanished meanwhile as done', async () => {
    const profile = profileWith()
    const sg = await (await (await provider(profile)).forAccount(profile.account('app-3'))).sg()
    const group = seeded['app-3'].group
    const mark = 'fleet:port-test'
    await sg.authorizeIngress(group, [{cidr: '54.20.0.1/32', port: 9000, description: mark}])
    // One of the two already exists: the batch is refused, the other still gets added.
    await sg.authorizeIngress(group, [
      {cidr: '54.20.0.1/32', port: 9000, description: mark},
      {cidr: '54.20.0.2/32', port: 9000, description: mark},
    ])
    const ours = (await sg.ingressRules(group)).filter((r) => r.description === mark)
    expect(ours.map((r) => r.cidr).sort()).toEqual(['54.20.0.1/32', '54.20.0.2/32'])
    await sg.revokeIngress(group, [ours[0]!.id])
    await sg.revokeIngress(group, ours.map((r) => r.id))
    expect((await sg.ingressRules(group)).filter((r) => r.description === mark)).toEqual([])
  })
})

describe('the DB group admits the app servers while RDS is public', () => {
  let db: DBInstance
  let dbGroup: string

  beforeAll(async () => {
    const lbVpc = (await ec2.lb.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId
    dbGroup = (await ec2.lb.send(new CreateSecurityGroupCommand({GroupName: 'db', Description: 'db', VpcId: lbVpc}))).GroupId!
    const rds = new RDSClient({endpoint: moto.endpoint, region: REGION, credentials: await roleCredentials(moto, ids.lb)})
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'parking-db',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'mysql',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-secret-1',
        PubliclyAccessible: true,
        VpcSecurityGroupIds: [dbGroup],
      }),
    )
    db = (await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'parking-db'}))).DBInstances![0]!
    rds.destroy()
  })

  it('adds each app server\'s public IP on the DB port, then withdraws them when RDS is private', async () => {
    const profile = profileWith()
    const servers = await apps(profile)
    const deps = {provider: await provider(profile), profileName: 'test', concurrency: 4}
    const publicIps = servers.map((s) => s.instance.PublicIpAddress).filter(Boolean)
    expect(publicIps).toHaveLength(3)
    const port = db.Endpoint?.Port ?? db.DbInstancePort
    const on = await followIps(deps, wantedIngress({lbIp: '54.10.0.9', apps: servers, db: {account: profile.account('lb'), instance: db, public: true}}))
    expect(on.map((r) => [r.account, r.ok])).toEqual([
      ['app-1', true],
      ['app-2', true],
      ['app-3', true],
      ['lb', true],
    ])
    const dbRules = async () => (await rulesOf(ec2.lb, dbGroup)).filter((r) => r.rule.endsWith('fleet:test')).map((r) => r.rule).sort()
    expect(await dbRules()).toEqual(publicIps.map((ip) => `${port} ${ip}/32 fleet:test`).sort())

    const off = await followIps(deps, wantedIngress({lbIp: '54.10.0.9', apps: servers, db: {account: profile.account('lb'), instance: db, public: false}}))
    expect(off.find((r) => r.account === 'lb')!.revoked).toHaveLength(3)
    expect(await dbRules()).toEqual([])
  })
})
