/**
 * `fleet doctor` and `fleet iam policy` against moto: the role, the account,
 * the instance, the permissions check, and whether the database's VPC can
 * serve public access at all.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {seedDb} from './harness/rds.ts'
import {fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'

let moto: Moto
let proxy: LatencyProxy
let dir: string
const ids = {lb: uniqueAccountId(), app: uniqueAccountId(), empty: uniqueAccountId()}
const region = 'ap-northeast-2'

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  dir = await mkdtemp(join(tmpdir(), 'fleet-doctor-'))
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}}]})
  await seedAccount(moto, {accountId: ids.app, instances: [{tags: {fleet: 'app'}}]})
  await seedAccount(moto, {accountId: ids.empty, instances: []})
  await seedDb(moto, {accountId: ids.lb, identifier: 'parking-db', withInternetGateway: true})
  await seedDb(moto, {accountId: ids.app, identifier: 'closed-db', withInternetGateway: false})
})

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

const account = (id: string, tag: string, extra: object = {}) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ...extra})
const rds = (accountName: string, instance: string) => ({account: accountName, instance, envFile: '/app/.env', public: 'jdbc:mysql://{endpoint}:{port}/parking', private: 'jdbc:mysql://10.0.0.1:3306/parking'})

describe('fleet doctor', () => {
  it('passes a ready fleet and marks what it could not check', async () => {
    const file = await writeProfile(dir, {region, hub: {source: 'env'}, accounts: {lb: account(ids.lb, 'lb'), app: account(ids.app, 'app')}, rds: rds('lb', 'parking-db')}, 'ready')
    const run = await runFleet(['doctor', '--profile', file, '--no-ssh', '--json'], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const lb = out.accounts[0]
    expect(lb.ok).toBe(true)
    const check = (name: string) => lb.checks.find((c: {name: string}) => c.name === name)
    expect(check('role')).toMatchObject({ok: true})
    expect(check('identity')).toMatchObject({ok: true})
    expect(check('identity').detail).toContain(ids.lb)
    expect(check('instance')).toMatchObject({ok: true})
    expect(check('rds-public-access')).toMatchObject({ok: true})
    expect(check('rds-public-access').detail).toMatch(/internet gateway igw-/)
    // moto has no SimulatePrincipalPolicy: the check is reported as not made, not as passed.
    expect(check('permissions')).toMatchObject({ok: null})
    expect(check('permissions').detail).toMatch(/^not checked: /)
    expect(out.accounts[1].checks.some((c: {name: string}) => c.name === 'rds-public-access')).toBe(false)
  })

  it('names each failure and exits 3', async () => {
    const file = await writeProfile(
      dir,
      {region, hub: {source: 'env'}, accounts: {app: account(ids.app, 'app'), empty: account(ids.empty, 'x'), gone: account(ids.lb, 'lb')}, rds: rds('app', 'closed-db')},
      'broken',
    )
    proxy.inject({action: 'AssumeRole', accountId: ids.lb, kind: 'error', status: 403, code: 'AccessDenied', message: 'no'})
    const run = await runFleet(['doctor', '--profile', file, '--no-ssh'], {env: fleetEnv(proxy)})
    expect(run.exitCode).toBe(3)
    expect(run.stdout).toMatch(/✗ rds-public-access\s+closed-db's VPC vpc-\w+ has no internet gateway/)
    expect(run.stdout).toMatch(/✗ instance\s+account empty \(\d{12}, ap-northeast-2\): no instance matches tag fleet=x/)
    expect(run.stdout).toMatch(/✗ role\s+account gone: cannot assume/)
    expect(run.stdout).toContain('3 of 3 accounts need attention.')
  })
})

describe('fleet iam policy', () => {
  it('prints trust and permission policies, asking STS who the hub is', async () => {
    const file = await writeProfile(dir, {region, hub: {source: 'env'}, accounts: {lb: account(ids.lb, 'lb', {externalId: 'honors-parking'})}, rds: rds('lb', 'parking-db')}, 'iam')
    const run = await runFleet(['iam', 'policy', '--profile', file, '--json'], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    // moto names its caller arn:aws:sts::123456789012:user/moto; AWS would say arn:aws:iam::...
    expect(out.hubPrincipal).toMatch(/^arn:aws:(iam|sts)::\d{12}:user\//)
    const lb = out.accounts[0]
    expect(lb.trustPolicy.Statement[0].Condition).toEqual({StringEquals: {'sts:ExternalId': 'honors-parking'}})
    expect(lb.permissionPolicy.Statement.map((s: {Sid: string}) => s.Sid)).toEqual(['FleetRead', 'FleetInstance', 'FleetSecurityGroupRules', 'FleetSelfCheck', 'FleetRdsPublicAccess'])
  })

  it('takes the principal from a flag without calling AWS', async () => {
    const file = await writeProfile(dir, {region, hub: {source: 'env'}, accounts: {lb: account(ids.lb, 'lb')}}, 'iam2')
    proxy.clear()
    const run = await runFleet(['iam', 'policy', '--profile', file, '--hub-principal', 'arn:aws:iam::999999999999:user/me'], {env: fleetEnv(proxy)})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('"AWS": "arn:aws:iam::999999999999:user/me"')
    expect(run.stdout).toContain('aws iam create-role --role-name FleetOperator')
    expect(proxy.count()).toBe(0)
  })
})
