/**
 * The harness's own tests: the peers the other tests rely on really start,
 * keep accounts apart, and the proxy really delays, records and fails.
 */
import {DescribeInstancesCommand, DescribeRegionsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CostExplorerClient, GetCostAndUsageCommand} from '@aws-sdk/client-cost-explorer'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {readFile} from 'node:fs/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type LatencyProxy, startLatencyProxy} from './harness/latency-proxy.ts'
import {
  type Moto,
  accountEc2,
  fleetEnv,
  queueCostResults,
  resetMoto,
  roleCredentials,
  runFleet,
  seedAccount,
  startMoto,
  tempDir,
  uniqueAccountId,
  writeProfile,
} from './harness/moto.ts'

let moto: Moto
beforeAll(async () => {
  moto = await startMoto()
})
afterAll(async () => {
  await moto?.stop()
})

describe('moto', () => {
  it('gives each assumed account its own state', async () => {
    // Given two accounts, one with a running and a stopped instance on a loopback private IP
    const a = uniqueAccountId()
    const b = uniqueAccountId()
    const seeded = await seedAccount(moto, {
      accountId: a,
      instances: [
        {tags: {fleet: 'lb'}, type: 't2.medium', privateIp: '127.0.50.10'},
        {tags: {fleet: 'app-1'}, state: 'stopped'},
      ],
      elasticIps: {idle: 2},
    })
    await seedAccount(moto, {accountId: b})

    // When each account looks at its instances through its own role
    const ec2a = await accountEc2(moto, a)
    const ec2b = await accountEc2(moto, b)
    const seenByA = (await ec2a.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? [])
    const seenByB = (await ec2b.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? [])

    // Then A sees its two, B sees none, and the seeded details hold
    expect(seenByA?.map((i) => i.InstanceId).sort()).toEqual([...seeded.instanceIds].sort())
    expect(seenByB).toEqual([])
    expect(seeded.roleArn).toBe(`arn:aws:iam::${a}:role/FleetOperator`)
    expect(seeded.instances[0]).toMatchObject({state: 'running', type: 't2.medium', privateIp: '127.0.50.10'})
    expect(seeded.instances[1]).toMatchObject({state: 'stopped', type: 't2.micro'})
    expect(seeded.elasticIps).toHaveLength(2)
    const lb = seenByA?.find((i) => i.InstanceId === seeded.instanceIds[0])
    expect(lb?.Tags).toContainEqual({Key: 'fleet', Value: 'lb'})
    ec2a.destroy()
    ec2b.destroy()
  })

  it('hands out role credentials that act in the role account', async () => {
    const id = uniqueAccountId()
    const credentials = await roleCredentials(moto, id)
    const sts = new STSClient({endpoint: moto.endpoint, region: 'ap-northeast-2', credentials})
    const me = await sts.send(new GetCallerIdentityCommand({}))
    expect(me.Account).toBe(id)
    expect(me.Arn).toContain(':assumed-role/FleetOperator/')
    sts.destroy()
  })

  it('answers Cost Explorer with the results queued for that account only', async () => {
    const a = uniqueAccountId()
    const b = uniqueAccountId()
    await queueCostResults(moto, a, [
      {ResultsByTime: [{TimePeriod: {Start: '2026-11-01', End: '2026-11-02'}, Total: {UnblendedCost: {Amount: '1.25', Unit: 'USD'}}, Groups: [], Estimated: true}]},
    ])
    const ask = async (accountId: string) => {
      const ce = new CostExplorerClient({endpoint: moto.endpoint, region: 'us-east-1', credentials: await roleCredentials(moto, accountId)})
      const answer = await ce.send(
        new GetCostAndUsageCommand({TimePeriod: {Start: '2026-11-01', End: '2026-11-02'}, Granularity: 'DAILY', Metrics: ['UnblendedCost']}),
      )
      ce.destroy()
      return answer.ResultsByTime ?? []
    }
    expect((await ask(a))[0]?.Total?.UnblendedCost?.Amount).toBe('1.25')
    expect(await ask(b)).toEqual([])
  })
})

describe('latency proxy', () => {
  let proxy: LatencyProxy
  beforeAll(async () => {
    proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 100})
  })
  afterAll(async () => {
    await proxy?.stop()
  })

  it('adds its delay to every request, and requests in parallel overlap', async () => {
    proxy.clear()
    const ec2 = new EC2Client({endpoint: proxy.endpoint, region: 'ap-northeast-2', credentials: await roleCredentials(moto, uniqueAccountId())})
    await Promise.all(Array.from({length: 8}, () => ec2.send(new DescribeRegionsCommand({}))))
    ec2.destroy()
    const records = proxy.requests({action: 'DescribeRegions'})
    expect(records).toHaveLength(8)
    for (const r of records) expect((r.endedAt ?? 0) - r.startedAt).toBeGreaterThanOrEqual(100)
    // Overlap: some request arrived before another had been answered.
    expect(proxy.peakInFlight()).toBeGreaterThan(1)
    const firstEnd = Math.min(...records.map((r) => r.endedAt ?? Infinity))
    expect(records.filter((r) => r.startedAt < firstEnd).length).toBeGreaterThan(1)
  })

  it('records AssumeRole and attributes later calls to the role account', async () => {
    proxy.clear()
    const id = uniqueAccountId()
    const ec2 = await accountEc2(proxy, id)
    await ec2.send(new DescribeInstancesCommand({}))
    ec2.destroy()
    expect(proxy.count({action: 'AssumeRole', accountId: id})).toBe(1)
    expect(proxy.requests({action: 'AssumeRole'})[0]).toMatchObject({service: 'sts', roleArn: `arn:aws:iam::${id}:role/FleetOperator`, status: 200})
    expect(proxy.requests({action: 'DescribeInstances'})[0]).toMatchObject({service: 'ec2', accountId: id, status: 200})
  })

  it('injects throttling, which the SDK retries', async () => {
    proxy.clear()
    const id = uniqueAccountId()
    proxy.inject({kind: 'throttle', action: 'AssumeRole', times: 1})
    const ec2 = await accountEc2(proxy, id)
    proxy.inject({kind: 'throttle', service: 'ec2', accountId: id, times: 2})
    await ec2.send(new DescribeInstancesCommand({}))
    ec2.destroy()
    expect(proxy.requests({action: 'AssumeRole'}).map((r) => r.status)).toEqual([400, 200])
    expect(proxy.requests({action: 'DescribeInstances'}).map((r) => [r.status, r.fault])).toEqual([
      [503, 'throttle'],
      [503, 'throttle'],
      [200, undefined],
    ])
  })

  it('slows chosen requests down and answers them normally', async () => {
    proxy.clear()
    const id = uniqueAccountId()
    const ec2 = await accountEc2(proxy, id)
    proxy.inject({kind: 'slow', action: 'DescribeInstances', accountId: id, delayMs: 400})
    await ec2.send(new DescribeInstancesCommand({}))
    ec2.destroy()
    const [slow] = proxy.requests({action: 'DescribeInstances'})
    expect(slow).toMatchObject({fault: 'slow', status: 200})
    expect((slow?.endedAt ?? 0) - (slow?.startedAt ?? 0)).toBeGreaterThanOrEqual(500)
  })

  it('drops connections on request', async () => {
    proxy.clear()
    proxy.inject({kind: 'drop', action: 'GetCallerIdentity'})
    const sts = new STSClient({endpoint: proxy.endpoint, region: 'ap-northeast-2', credentials: await roleCredentials(moto, uniqueAccountId()), maxAttempts: 1})
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toThrow()
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toHaveProperty('Account')
    sts.destroy()
    expect(proxy.requests({action: 'GetCallerIdentity'}).map((r) => r.status)).toEqual([0, 200])
  })

  it('replays the answer moto gave to the same call, without asking moto again', async () => {
    proxy.clear()
    const id = uniqueAccountId()
    await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'replay'}}]})
    const ec2 = await accountEc2(proxy, id)
    proxy.setReplay(true)
    try {
      const first = await ec2.send(new DescribeInstancesCommand({}))
      // Changed behind the proxy's back: a replayed answer does not see it.
      await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'later'}}]})
      const second = await ec2.send(new DescribeInstancesCommand({}))
      expect(second.Reservations).toEqual(first.Reservations)
      expect(proxy.requests({action: 'DescribeInstances'}).map((r) => r.replayed)).toEqual([false, true])
    } finally {
      proxy.setReplay(false)
    }
    const live = await ec2.send(new DescribeInstancesCommand({}))
    ec2.destroy()
    expect(live.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(2)
  })
})

describe('latency proxy over several moto servers', () => {
  it('keeps each account on one server, through AssumeRole and the keys it returns', async () => {
    // Given a proxy over moto and a second moto, and two accounts that shard apart
    const other = await startMoto()
    const proxy = await startLatencyProxy({target: [moto.endpoint, other.endpoint], delayMs: 0})
    try {
      const even = String(2 * Math.floor(Number(uniqueAccountId()) / 2))
      const odd = String(Number(even) + 1)
      // When both are seeded and queried through the proxy
      await seedAccount(proxy, {accountId: even, instances: [{tags: {fleet: 'even'}}]})
      await seedAccount(proxy, {accountId: odd, instances: [{tags: {fleet: 'odd'}}]})
      const throughProxy = async (id: string) => {
        const ec2 = await accountEc2(proxy, id)
        const found = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length
        ec2.destroy()
        return found
      }
      const direct = async (server: Moto, id: string) => {
        const ec2 = await accountEc2(server, id)
        const found = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length
        ec2.destroy()
        return found
      }
      // Then each is whole through the proxy, and lives on its own server only
      expect(await throughProxy(even)).toBe(1)
      expect(await throughProxy(odd)).toBe(1)
      expect([await direct(moto, even), await direct(other, even)]).toEqual([1, 0])
      expect([await direct(moto, odd), await direct(other, odd)]).toEqual([0, 1])
      // And a reset through the proxy clears both servers
      await resetMoto(proxy)
      expect([await direct(moto, even), await direct(other, odd)]).toEqual([0, 0])
    } finally {
      await proxy.stop()
      await other.stop()
    }
  })
})

describe('test keyring', () => {
  it('is a real Secret Service that keytar can use', async () => {
    expect(process.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:path=.*fleet-keyring-/)
    const keytar = (await import('keytar')).default
    const account = `harness-${uniqueAccountId()}`
    await keytar.setPassword('fleet-harness-test', account, 's3cret')
    expect(await keytar.getPassword('fleet-harness-test', account)).toBe('s3cret')
    expect(await keytar.deletePassword('fleet-harness-test', account)).toBe(true)
    expect(await keytar.getPassword('fleet-harness-test', account)).toBeNull()
  })
})

describe('runFleet', () => {
  it('runs the built CLI and reports its output and exit code', async () => {
    const ok = await runFleet(['--version'], {env: fleetEnv(moto)})
    expect(ok).toMatchObject({exitCode: 0, signal: null})
    expect(ok.stdout).toMatch(/^fleet\/\d+\.\d+\.\d+ /)
    const bad = await runFleet(['no-such-command'], {env: fleetEnv(moto)})
    expect(bad.exitCode).not.toBe(0)
    expect(bad.stderr).toMatch(/no-such-command/)
  })

  it('writes profiles from objects or text', async () => {
    const dir = tempDir()
    const file = await writeProfile(dir, {hub: {source: 'env'}, accounts: {a: {accountId: '111111111111'}}}, 'obj')
    expect(file).toBe(`${dir}/obj.yaml`)
    expect(await readFile(file, 'utf8')).toContain("accountId: \"111111111111\"")
    expect(await readFile(await writeProfile(dir, 'hub: {source: env}\n'), 'utf8')).toBe('hub: {source: env}\n')
  })
})

describe('fleetEnv', () => {
  it('points the CLI at the target with a fresh home and none of the caller AWS settings', () => {
    process.env.AWS_PROFILE = 'must-not-leak'
    const env = fleetEnv(moto, {DEBUG: 'fleet:*'})
    delete process.env.AWS_PROFILE
    expect(env).toMatchObject({AWS_ENDPOINT_URL: moto.endpoint, AWS_EC2_METADATA_DISABLED: 'true', DEBUG: 'fleet:*'})
    expect(env.AWS_PROFILE).toBeUndefined()
    expect(env.FLEET_HOME).toMatch(/fleet-env-/)
    expect(env.HOME).toMatch(/fleet-env-/)
    expect(env.DBUS_SESSION_BUS_ADDRESS).toBe(process.env.DBUS_SESSION_BUS_ADDRESS)
  })
})
