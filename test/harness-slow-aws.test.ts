/**
 * The latency proxy's slow-AWS mode and its deadline faults, against a real
 * moto through the real AWS SDK: moto is instant and lenient, the proxy
 * reports and refuses what AWS would, in the state it reports.
 */
import {
  DescribeInstanceCreditSpecificationsCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  type EC2ClientConfig,
  ModifyInstanceAttributeCommand,
  ModifyInstanceCreditSpecificationCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2'
import {DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import {type LatencyProxy, startLatencyProxy} from './harness/latency-proxy.ts'
import {type Moto, roleCredentials, seedAccount, startMoto, uniqueAccountId} from './harness/moto.ts'
import {seedDb} from './harness/rds.ts'

const region = 'ap-northeast-2'
let moto: Moto
let proxy: LatencyProxy
const clients: {destroy(): void}[] = []

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
})
afterEach(() => {
  proxy.slowAws().off()
  proxy.clear()
  for (const c of clients.splice(0)) c.destroy()
})
afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

/** A fresh account with stopped/running t2.micro instances (seeded in moto directly), and an EC2 client through the proxy. */
async function account(states: ('running' | 'stopped')[], config: Partial<EC2ClientConfig> = {}) {
  const accountId = uniqueAccountId()
  const seeded = await seedAccount(moto, {accountId, instances: states.map((state, i) => ({tags: {fleet: `n${i}`}, state}))})
  const ec2 = new EC2Client({endpoint: proxy.endpoint, region, credentials: await roleCredentials(proxy, accountId), ...config})
  clients.push(ec2)
  return {accountId, ids: seeded.instanceIds, ec2}
}

async function stateOf(ec2: EC2Client, id: string): Promise<string | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [id]}))
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name
}

/** Polls `probe` until `done`, keeping each change of value with the ms since `t0`. */
async function timeline<T>(t0: number, probe: () => Promise<T>, done: (value: T) => boolean, limitMs = 5000) {
  const seen: {at: number; value: T}[] = []
  for (;;) {
    const value = await probe()
    if (JSON.stringify(value) !== JSON.stringify(seen.at(-1)?.value)) seen.push({at: Date.now() - t0, value})
    if (done(value)) return seen
    if (Date.now() - t0 > limitMs) throw new Error(`still ${JSON.stringify(value)} after ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error & {$metadata?: {httpStatusCode?: number}}) => error)

describe('slow EC2 transitions', () => {
  it('reports pending, then running, per instance after its own delay', async () => {
    // Given two stopped instances, one slow to start and one slower
    const {ids, ec2} = await account(['stopped', 'stopped'])
    const [fast, slow] = ids as [string, string]
    proxy.slowAws({instances: {[fast]: {transitionMs: 200}, [slow]: {transitionMs: 500}}})

    // When both are started in one call
    const t0 = Date.now()
    const started = await ec2.send(new StartInstancesCommand({InstanceIds: [fast, slow]}))

    // Then the answer says pending, as AWS's does, and moto itself already says running
    expect(started.StartingInstances?.map((s) => [s.PreviousState?.Name, s.CurrentState?.Name, s.CurrentState?.Code])).toEqual([
      ['stopped', 'pending', 0],
      ['stopped', 'pending', 0],
    ])
    // And each reports pending until its own delay has passed, then running
    const states = () => Promise.all([stateOf(ec2, fast), stateOf(ec2, slow)])
    const seen = await timeline(t0, states, (s) => s.every((x) => x === 'running'))
    expect(seen.map((s) => s.value)).toEqual([
      ['pending', 'pending'],
      ['running', 'pending'],
      ['running', 'running'],
    ])
    expect(seen[1]?.at).toBeGreaterThanOrEqual(200)
    expect(seen[2]?.at).toBeGreaterThanOrEqual(500)
    // And the records say which answers were rewritten
    expect(proxy.requests({action: 'DescribeInstances'}).some((r) => r.rewritten === 'state')).toBe(true)
    expect(proxy.requests({action: 'StartInstances'})[0]).toMatchObject({status: 200, rewritten: 'state'})
  })

  it('applies instance-state filters to the state it reports', async () => {
    const {ids, ec2} = await account(['stopped'])
    const id = ids[0] as string
    proxy.slowAws({transitionMs: 500})
    await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))
    const having = async (state: string) =>
      (await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-state-name', Values: [state]}, {Name: 'tag:fleet', Values: ['n0']}]})))
        .Reservations?.flatMap((r) => r.Instances ?? [])
        .map((i) => i.InstanceId)
    expect(await having('running')).toEqual([])
    expect(await having('pending')).toEqual([id])
  })

  it('reports status checks initializing for a while after running, then ok', async () => {
    // Given a stopped instance that takes 300 ms to start and 300 ms more to pass its checks
    const {ids, ec2} = await account(['stopped'])
    const id = ids[0] as string
    proxy.slowAws({transitionMs: 300, initializingMs: 300})

    // When it is started
    const t0 = Date.now()
    await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))

    // Then a pending instance is listed only with IncludeAllInstances, its checks not applicable
    const all = await ec2.send(new DescribeInstanceStatusCommand({InstanceIds: [id], IncludeAllInstances: true}))
    expect(all.InstanceStatuses?.[0]).toMatchObject({InstanceState: {Name: 'pending', Code: 0}, InstanceStatus: {Status: 'not-applicable'}})
    // And by default it is absent, then running with checks initializing, then ok
    const status = async () => {
      const s = (await ec2.send(new DescribeInstanceStatusCommand({InstanceIds: [id]}))).InstanceStatuses?.[0]
      return s ? [s.InstanceState?.Name, s.InstanceStatus?.Status, s.SystemStatus?.Status, s.InstanceStatus?.Details?.[0]?.Status] : 'absent'
    }
    const seen = await timeline(t0, status, (s) => s[1] === 'ok')
    expect(seen.map((s) => s.value)).toEqual([
      'absent',
      ['running', 'initializing', 'initializing', 'initializing'],
      ['running', 'ok', 'ok', 'passed'],
    ])
    expect(seen[1]?.at).toBeGreaterThanOrEqual(300)
    expect(seen[2]?.at).toBeGreaterThanOrEqual(600)
  })

  it('reports stopping after a stop, and refuses what AWS refuses in each state', async () => {
    // Given a running instance
    const {ids, ec2} = await account(['running'])
    const id = ids[0] as string
    proxy.slowAws({transitionMs: 500, initializingMs: 0})
    const resize = () => ec2.send(new ModifyInstanceAttributeCommand({InstanceId: id, InstanceType: {Value: 't3.small'}}))

    // Then a type change while running is refused, as AWS does (moto would take it)
    const running = await failure(resize())
    expect(running).toMatchObject({name: 'IncorrectInstanceState', message: `The instance '${id}' is not in the 'stopped' state.`})
    expect(running?.$metadata?.httpStatusCode).toBe(400)

    // When it is stopped: the answer and DescribeInstances say stopping
    const t0 = Date.now()
    const stopped = await ec2.send(new StopInstancesCommand({InstanceIds: [id]}))
    expect(stopped.StoppingInstances?.[0]).toMatchObject({CurrentState: {Name: 'stopping', Code: 64}, PreviousState: {Name: 'running', Code: 16}})
    expect(await stateOf(ec2, id)).toBe('stopping')
    // And while stopping, neither a type change nor a start is accepted
    expect(await failure(resize())).toMatchObject({name: 'IncorrectInstanceState'})
    expect(await failure(ec2.send(new StartInstancesCommand({InstanceIds: [id]})))).toMatchObject({
      name: 'IncorrectInstanceState',
      message: `The instance '${id}' is not in a state from which it can be started.`,
    })
    // And a second stop is a no-op that says stopping twice
    const again = await ec2.send(new StopInstancesCommand({InstanceIds: [id]}))
    expect(again.StoppingInstances?.[0]).toMatchObject({CurrentState: {Name: 'stopping'}, PreviousState: {Name: 'stopping'}})

    // When it has stopped, the type change goes through
    const seen = await timeline(t0, () => stateOf(ec2, id), (s) => s === 'stopped')
    expect(seen.map((s) => s.value)).toEqual(['stopping', 'stopped'])
    expect(seen[1]?.at).toBeGreaterThanOrEqual(500)
    await resize()
    const described = await ec2.send(new DescribeInstancesCommand({InstanceIds: [id]}))
    expect(described.Reservations?.[0]?.Instances?.[0]?.InstanceType).toBe('t3.small')

    // And once started, stopping it while pending is refused; starting it again is a no-op
    await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))
    expect(await failure(ec2.send(new StopInstancesCommand({InstanceIds: [id]})))).toMatchObject({
      name: 'IncorrectInstanceState',
      message: `Instance '${id}' cannot be stopped as it has never reached the 'running' state.`,
    })
    const restart = await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))
    expect(restart.StartingInstances?.[0]).toMatchObject({CurrentState: {Name: 'pending'}, PreviousState: {Name: 'pending'}})
    expect(proxy.requests({rewritten: 'refused'}).length).toBeGreaterThan(0)
    expect(proxy.requests({action: 'StopInstances'}).map((r) => r.errorCode)).toEqual([undefined, undefined, 'IncorrectInstanceState'])
  })

  it('fails a start for lack of capacity the chosen number of times', async () => {
    // Given a stopped instance whose next two starts find no capacity
    const {ids, ec2} = await account(['stopped'], {maxAttempts: 1})
    const id = ids[0] as string
    proxy.slowAws({transitionMs: 100}).failStart(id, 2)

    // When it is started three times
    const first = await failure(ec2.send(new StartInstancesCommand({InstanceIds: [id]})))
    const second = await failure(ec2.send(new StartInstancesCommand({InstanceIds: [id]})))
    expect(await stateOf(ec2, id)).toBe('stopped')
    const third = await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))

    // Then the first two get AWS's capacity error (a server error) and the instance stays stopped; the third starts it
    for (const error of [first, second]) {
      expect(error?.name).toBe('InsufficientInstanceCapacity')
      expect(error?.$metadata?.httpStatusCode).toBe(500)
      expect(error?.message).toMatch(
        /^We currently do not have sufficient t2\.micro capacity in the Availability Zone you requested \(ap-northeast-2a\)\. .* or choosing ap-northeast-2b, ap-northeast-2c, ap-northeast-2d\.$/,
      )
    }
    expect(third.StartingInstances?.[0]?.CurrentState?.Name).toBe('pending')
    expect(proxy.requests({action: 'StartInstances'}).map((r) => [r.status, r.errorCode])).toEqual([
      [500, 'InsufficientInstanceCapacity'],
      [500, 'InsufficientInstanceCapacity'],
      [200, undefined],
    ])
  })

  it('refuses unknown instance types as AWS does', async () => {
    const {ids, ec2} = await account(['stopped'])
    proxy.slowAws()
    // DescribeInstanceTypes: moto already answers as AWS does, and the proxy leaves it alone
    const described = await failure(ec2.send(new DescribeInstanceTypesCommand({InstanceTypes: ['t2.micro', 't9.bogus' as never]})))
    expect(described).toMatchObject({name: 'InvalidInstanceType', message: 'The following supplied instance types do not exist: [t9.bogus]'})
    expect(described?.$metadata?.httpStatusCode).toBe(400)
    expect(proxy.requests({action: 'DescribeInstanceTypes'})[0]?.rewritten).toBeUndefined()
    // ModifyInstanceAttribute: moto takes any type; the proxy refuses an unknown one
    const modify = (type: string) => ec2.send(new ModifyInstanceAttributeCommand({InstanceId: ids[0], InstanceType: {Value: type}}))
    expect(await failure(modify('t9.bogus'))).toMatchObject({name: 'InvalidParameterValue', message: "Invalid value 't9.bogus' for InstanceType."})
    await expect(modify('t3.micro')).resolves.toBeDefined()
  })

  it('answers CPU credits unlimited for chosen instances', async () => {
    const {ids, ec2} = await account(['running', 'running'])
    const [chosen, other] = ids as [string, string]
    proxy.slowAws().setCpuCredits(chosen, 'unlimited')
    const credits = async () =>
      (await ec2.send(new DescribeInstanceCreditSpecificationsCommand({InstanceIds: [chosen, other]}))).InstanceCreditSpecifications?.map((c) => [
        c.InstanceId,
        c.CpuCredits,
      ])
    expect(await credits()).toEqual([
      [chosen, 'unlimited'],
      [other, 'standard'],
    ])
    // moto lacks ModifyInstanceCreditSpecification; the proxy answers it and keeps the value
    const modified = await ec2.send(
      new ModifyInstanceCreditSpecificationCommand({InstanceCreditSpecifications: [{InstanceId: chosen, CpuCredits: 'standard'}]}),
    )
    expect(modified.SuccessfulInstanceCreditSpecifications).toEqual([{InstanceId: chosen}])
    expect((await credits())?.[0]).toEqual([chosen, 'standard'])
  })
})

describe('slow RDS', () => {
  it('keeps a modified DB available, then modifying, with its old PubliclyAccessible', async () => {
    // Given a private DB that takes 250 ms to begin modifying and 250 ms more to finish
    const accountId = uniqueAccountId()
    await seedDb(moto, {accountId, identifier: 'slow-db', withInternetGateway: true, publiclyAccessible: false})
    proxy.slowAws({dbs: {'slow-db': {availableMs: 250, modifyingMs: 250}}})
    const credentials = await roleCredentials(proxy, accountId)
    const rds = new RDSClient({endpoint: proxy.endpoint, region, credentials})
    const direct = new RDSClient({endpoint: moto.endpoint, region, credentials})
    clients.push(rds, direct)
    const look = async (client: RDSClient) => {
      const db = (await client.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'slow-db'}))).DBInstances?.[0]
      return [db?.DBInstanceStatus, db?.PubliclyAccessible]
    }

    // When it is made public
    const t0 = Date.now()
    const modified = await rds.send(new ModifyDBInstanceCommand({DBInstanceIdentifier: 'slow-db', PubliclyAccessible: true, ApplyImmediately: true}))

    // Then moto has applied it at once, but the proxy reports AWS's window
    expect(modified.DBInstance?.PubliclyAccessible).toBe(false)
    expect(await look(direct)).toEqual(['available', true])
    const seen = await timeline(t0, () => look(rds), (v) => v[1] === true)
    expect(seen.map((s) => s.value)).toEqual([
      ['available', false],
      ['modifying', false],
      ['available', true],
    ])
    expect(seen[1]?.at).toBeGreaterThanOrEqual(250)
    expect(seen[2]?.at).toBeGreaterThanOrEqual(500)
    expect(proxy.requests({action: 'DescribeDBInstances'})[0]?.rewritten).toBe('db')
  })
})

describe('deadline faults', () => {
  const deadline = {requestTimeout: 300, throwOnRequestTimeout: true}

  it('silent: the call is never answered, and the client deadline ends it', async () => {
    const {accountId, ec2} = await account([], {maxAttempts: 1, requestHandler: deadline})
    proxy.inject({kind: 'silent', action: 'DescribeInstances', accountId})
    const t0 = Date.now()
    const error = await failure(ec2.send(new DescribeInstancesCommand({})))
    expect(error?.name).toBe('TimeoutError')
    expect(Date.now() - t0).toBeLessThan(2000)
    // The proxy closes its record when it sees the client hang up.
    await vi.waitUntil(() => proxy.requests({action: 'DescribeInstances'})[0]?.endedAt !== undefined)
    const [record] = proxy.requests({action: 'DescribeInstances'})
    expect(record).toMatchObject({fault: 'silent', status: 0})
    // The record ends when the client hung up (its clock started a little before the proxy's)
    expect((record?.endedAt ?? 0) - (record?.startedAt ?? 0)).toBeGreaterThanOrEqual(200)
  })

  it('stall: headers and half a body arrive, then nothing; a socket deadline ends it', async () => {
    const {accountId, ec2} = await account(['running'], {maxAttempts: 1, requestHandler: {socketTimeout: 300}})
    proxy.inject({kind: 'stall', action: 'DescribeInstances', accountId})
    const t0 = Date.now()
    const error = await failure(ec2.send(new DescribeInstancesCommand({})))
    expect(error?.name).toBe('TimeoutError')
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(proxy.requests({action: 'DescribeInstances'})[0]).toMatchObject({fault: 'stall', status: 200})
  })

  it('stall escapes a request deadline once headers arrived; stop() still ends every hung call at once', async () => {
    // Given a second proxy with a silent and a stalled call open on it
    const own = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
    const accountId = uniqueAccountId()
    const ec2 = new EC2Client({endpoint: own.endpoint, region, credentials: await roleCredentials(own, accountId), maxAttempts: 1, requestHandler: deadline})
    clients.push(ec2)
    own.inject({kind: 'stall', action: 'DescribeInstances', accountId})
    own.inject({kind: 'silent', action: 'DescribeRegions', accountId})
    const stalled = failure(ec2.send(new DescribeInstancesCommand({})))
    const silent = failure(ec2.send(new DescribeRegionsCommand({})))
    // When well past the request deadline: the silent call has timed out, the stalled one has not
    // (the SDK's requestTimeout ends when the headers arrive; only socketTimeout covers the body)
    const pending = Symbol('pending')
    expect((await silent)?.toString()).toMatch(/TimeoutError/)
    // (a pause to show that something does not happen: the stalled call is still open well after its 300 ms)
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(await Promise.race([stalled, pending])).toBe(pending)
    // Then stop() returns promptly, and the stalled call fails instead of hanging
    const t0 = Date.now()
    await own.stop()
    // A hung call would hold stop() for good: any bound far below that will do.
    expect(Date.now() - t0).toBeLessThan(5000)
    expect(await stalled).toBeInstanceOf(Error)
  })
})
