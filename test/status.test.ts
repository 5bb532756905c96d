/**
 * `fleet status` against a real moto server, through the recording proxy:
 * accounts in parallel, a failing role or a bad selector reported per account
 * (exit 3) while the others are shown, extras that cost money flagged.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'

let moto: Moto
let proxy: LatencyProxy
let dir: string
const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId(), app3: uniqueAccountId()}

const account = (id: string, tag: string) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}})

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  dir = await mkdtemp(join(tmpdir(), 'fleet-status-'))
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, type: 't2.medium'}], elasticIps: {idle: 1}})
  await seedAccount(moto, {accountId: ids.app1, instances: [{tags: {fleet: 'app'}, state: 'stopped'}, {tags: {other: 'x'}}]})
  await seedAccount(moto, {accountId: ids.app2, instances: [{tags: {fleet: 'app'}}, {tags: {fleet: 'app'}}]})
  await seedAccount(moto, {accountId: ids.app3, instances: [{tags: {fleet: 'app'}}]})
})

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

const profile = () =>
  writeProfile(dir, {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {lb: account(ids.lb, 'lb'), 'app-1': account(ids.app1, 'app'), 'app-2': account(ids.app2, 'app'), 'app-3': account(ids.app3, 'app')},
  })

describe('fleet status', () => {
  it('reports every account, each with its own error, and exits 3', async () => {
    const file = await profile()
    const env = fleetEnv(proxy)
    proxy.inject({action: 'AssumeRole', accountId: ids.app3, kind: 'error', status: 403, code: 'AccessDenied', message: 'not trusted', times: 1})
    const run = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out.profile).toBe('test')
    expect(out.arch).toBeNull()
    const [lb, app1, app2, app3] = out.accounts
    expect(lb).toMatchObject({name: 'lb', accountId: ids.lb, region: 'ap-northeast-2', ok: true, error: null})
    expect(lb.instance).toMatchObject({state: 'running', type: 't2.medium', autoStopAt: null})
    expect(lb.instance.id).toMatch(/^i-/)
    expect(lb.instance.privateIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(lb.freeTier).toEqual({plan: '750-hours', hoursUsed: 0, hoursAllowed: 750})
    expect(lb.extras.map((x: {kind: string}) => x.kind)).toEqual(['idle-elastic-ip'])

    expect(app1).toMatchObject({ok: true, instance: {state: 'stopped'}})
    expect(app1.extras.map((x: {kind: string}) => x.kind)).toEqual(['other-running-instance'])

    expect(app2).toMatchObject({ok: false, instance: null, error: {code: 'AmbiguousInstance'}})
    expect(app2.extras).toEqual([])

    expect(app3).toMatchObject({ok: false, instance: null, error: {code: 'RoleNotAssumable'}, freeTier: {plan: '750-hours', hoursAllowed: 750}})
    expect(app3.error.message).toContain(roleArn(ids.app3))
  })

  it('renders a table for people with the errors and extras underneath', async () => {
    const file = await profile()
    const run = await runFleet(['status', '--profile', file], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stderr).toBe(3)
    expect(run.stdout).toMatch(/ACCOUNT\s+INSTANCE\s+STATE\s+TYPE\s+PUBLIC IP\s+PRIVATE IP/)
    expect(run.stdout).toMatch(/lb\s+i-\w+\s+running\s+t2\.medium/)
    expect(run.stdout).toContain('2 instances match tag fleet=app')
    expect(run.stdout).toContain('not attached: billed as public IPv4')
  })

  it('works the accounts in parallel, bounded by --concurrency', async () => {
    const file = await profile()
    proxy.setDelay(150)
    try {
      proxy.clear()
      await runFleet(['status', '--profile', file, '--json'], {env: fleetEnv(proxy)})
      expect(proxy.peakInFlight()).toBeGreaterThanOrEqual(4)
      proxy.clear()
      await runFleet(['status', '--profile', file, '--json', '--concurrency', '1'], {env: fleetEnv(proxy)})
      // One account at a time: its two EC2 reads may overlap, no more.
      expect(proxy.peakInFlight()).toBeLessThanOrEqual(2)
    } finally {
      proxy.setDelay(0)
    }
  })

  it('retries throttling and still succeeds', async () => {
    const file = await profile()
    proxy.clear()
    proxy.inject({action: 'DescribeInstances', accountId: ids.lb, kind: 'throttle', times: 1})
    const run = await runFleet(['status', '--profile', file, '--json'], {env: fleetEnv(proxy)})
    const lb = JSON.parse(run.stdout).accounts[0]
    expect(lb.ok).toBe(true)
    expect(proxy.count({action: 'DescribeInstances', accountId: ids.lb})).toBe(2)
  })

  it('refuses --concurrency 0 as bad usage (exit 2)', async () => {
    const file = await profile()
    const run = await runFleet(['status', '--profile', file, '--json', '--concurrency', '0'], {env: fleetEnv(moto)})
    expect(run.exitCode).toBe(2)
    expect(JSON.parse(run.stdout).error).toMatchObject({code: 'BadUsage', exitCode: 2})
  })

  it('says when the hub key is refused, naming the account, without printing it', async () => {
    const file = await profile()
    proxy.clear()
    proxy.inject({action: 'AssumeRole', kind: 'error', status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', times: 4})
    // Another hub key: the sessions cached in the keychain for the first one do not apply.
    const env = fleetEnv(proxy, {AWS_ACCESS_KEY_ID: 'AKIAWRONGHUBKEY00042', AWS_SECRET_ACCESS_KEY: 'wrongHubSecret000000000000000000000000042'})
    const run = await runFleet(['status', '--profile', file], {env})
    expect(run.exitCode).toBe(3)
    expect(run.stdout).toContain('AWS refused the credentials for sts:AssumeRole')
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(env.AWS_SECRET_ACCESS_KEY)
      expect(text).not.toContain(env.AWS_ACCESS_KEY_ID)
    }
  })
})
