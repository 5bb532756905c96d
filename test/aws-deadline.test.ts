/**
 * Every AWS call has a real deadline, and errors keep what the user can act
 * on (spec sections 5-7): a silent endpoint and a stalled answer are given
 * up and reported per account, `fleet login` tells a network fault from a
 * refused key, and `--json` prints exactly one document for every failure.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {fleetEnv, HUB_CREDENTIALS, type Moto, roleArn, runFleet, seedAccount, startFleet, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'

let moto: Moto
let proxy: LatencyProxy
let dir: string
const ids = [uniqueAccountId(), uniqueAccountId()]

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  dir = await mkdtemp(join(tmpdir(), 'fleet-deadline-'))
  for (const id of ids) await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'x'}}]})
})

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

async function profile(extra: object = {}): Promise<string> {
  const accounts = Object.fromEntries(ids.map((id, i) => [`a${i}`, {accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: 'x'}}}]))
  return writeProfile(dir, {region: 'ap-northeast-2', hub: {source: 'env'}, accounts, ...extra}, `deadline-${Math.random().toString(36).slice(2, 8)}`)
}

/** Short deadlines and two attempts, so a test waits seconds, not minutes. */
const quick = () => fleetEnv(proxy, {FLEET_AWS_TIMEOUT: '1', AWS_MAX_ATTEMPTS: '2'})

describe('a deadline on every AWS call', () => {
  for (const kind of ['silent', 'stall'] as const) {
    it(`a ${kind} endpoint is given up, retried, and reported per account (exit 3), with no SDK text`, async () => {
      const file = await profile()
      proxy.clear()
      proxy.inject({kind, action: 'DescribeInstances', accountId: ids[0], times: 2})
      const started = Date.now()
      const out = await runFleet(['status', '--profile', file, '--json'], {env: quick(), timeoutMs: 30_000})
      expect(Date.now() - started).toBeLessThan(20_000)
      expect(out.exitCode, out.stderr).toBe(3)
      const [first, second] = JSON.parse(out.stdout).accounts
      expect(first).toMatchObject({ok: false, error: {code: 'AwsTimeout', message: expect.stringMatching(/AWS did not answer ec2:DescribeInstances within 1 s \(endpoint http:\/\/127\.0\.0\.1:\d+\)/)}})
      expect(second).toMatchObject({ok: true, error: null})
      // Retried once (AWS_MAX_ATTEMPTS=2) like any transient fault.
      expect(proxy.count({action: 'DescribeInstances', accountId: ids[0]})).toBe(2)
      expect(out.stderr).not.toMatch(/smithy|throwOnRequestTimeout|requestTimeout/)
    })
  }

  it('a hub call that gets no answer fails the command once, not once per account', async () => {
    const file = await profile({hub: {source: 'env', mfaSerial: 'arn:aws:iam::123456789012:mfa/me'}})
    proxy.inject({kind: 'silent', action: 'GetSessionToken', times: 2})
    const out = await runFleet(['status', '--profile', file, '--json'], {env: {...quick(), FLEET_MFA_CODE: '123456'}, timeoutMs: 30_000})
    expect(out.exitCode, out.stderr).toBe(3)
    expect(JSON.parse(out.stdout).error).toMatchObject({code: 'AwsTimeout', message: expect.stringContaining('sts:GetSessionToken')})
  })
})

describe('fleet login tells a network or AWS fault from a refused key', () => {
  const keyInput = `${HUB_CREDENTIALS.accessKeyId}\n${HUB_CREDENTIALS.secretAccessKey}\n`
  const keychainEnv = (target = proxy) => fleetEnv(target, {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})

  it('a refused connection is a network fault, and nothing is stored', async () => {
    const file = await profile({hub: {source: 'keychain'}})
    const out = await runFleet(['login', '--profile', file, '--stdin', '--json'], {env: keychainEnv({endpoint: 'http://127.0.0.1:1'}), input: keyInput})
    expect(out.exitCode).toBe(3)
    const {error} = JSON.parse(out.stdout)
    expect(error.message).toMatch(/^Could not check the key with AWS STS, so nothing was stored\. This is a network or AWS fault, not a verdict on the key/)
    expect(error.message).not.toContain('refused that key')
  })

  it('a 5xx and throttling are AWS faults', async () => {
    for (const fault of [{kind: 'error' as const, status: 503, code: 'ServiceUnavailable'}, {kind: 'throttle' as const}]) {
      const file = await profile({hub: {source: 'keychain'}})
      proxy.inject({...fault, action: 'GetCallerIdentity', times: 1})
      const out = await runFleet(['login', '--profile', file, '--stdin', '--json'], {env: {...keychainEnv(), AWS_MAX_ATTEMPTS: '1'}, input: keyInput})
      expect(out.exitCode).toBe(3)
      expect(JSON.parse(out.stdout).error.message).toContain('This is a network or AWS fault, not a verdict on the key')
      proxy.clear()
    }
  })

  it('a key AWS refuses is said to be refused', async () => {
    const file = await profile({hub: {source: 'keychain'}})
    proxy.inject({kind: 'error', status: 403, code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', action: 'GetCallerIdentity'})
    const out = await runFleet(['login', '--profile', file, '--stdin', '--json'], {env: keychainEnv(), input: keyInput})
    expect(out.exitCode).toBe(3)
    expect(JSON.parse(out.stdout).error).toMatchObject({code: 'BadCredentials', message: 'AWS refused that key; nothing was stored.', nextSteps: [expect.any(String)]})
  })
})

describe('--json prints exactly one JSON document for every failure', () => {
  const oneDocument = (stdout: string) => {
    const doc = JSON.parse(stdout)
    expect(Object.keys(doc)).toEqual(['error'])
    return doc.error
  }

  it('an unknown command', async () => {
    const out = await runFleet(['no-such-command', '--json'], {env: fleetEnv(proxy)})
    expect(out.exitCode).toBe(2)
    expect(oneDocument(out.stdout)).toMatchObject({code: 'UnknownCommand', exitCode: 2, nextSteps: [expect.stringContaining('--help')]})
  })

  it('a flag value oclif refuses, said whole', async () => {
    const out = await runFleet(['status', '--concurrency', '0', '--json'], {env: fleetEnv(proxy)})
    expect(out.exitCode).toBe(2)
    expect(oneDocument(out.stdout).message).toBe('Parsing --concurrency: Expected an integer greater than or equal to 1 but received: 0')
    const human = await runFleet(['arch', 'show'], {env: fleetEnv(proxy)})
    expect(human.exitCode).toBe(2)
    expect(human.stderr).toContain('Missing 1 required arg: id')
  })

  it('Ctrl-C during a read-only command', async () => {
    const file = await profile()
    proxy.inject({kind: 'silent', action: 'DescribeInstances', times: 4})
    const run = startFleet(['status', '--profile', file, '--json'], {env: fleetEnv(proxy, {FLEET_AWS_TIMEOUT: '30'})})
    while (proxy.count({action: 'DescribeInstances'}) === 0) await new Promise((r) => setTimeout(r, 25))
    run.kill('SIGINT')
    const out = await run.done
    expect(out.exitCode).toBe(130)
    expect(oneDocument(out.stdout)).toMatchObject({code: 'Interrupted', exitCode: 130})
    proxy.clear()
  })
})
