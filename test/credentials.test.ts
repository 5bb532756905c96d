/**
 * Credentials against real peers: keytar on the run's gnome-keyring, moto
 * behind the recording proxy. Proves the hub key is stored by `login` and
 * removed by `logout`, that role sessions are cached so a second command
 * makes no STS call, one MFA code per session, the aws-profile source, and
 * a clear message when no Secret Service is reachable.
 */
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import keytar from 'keytar'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLatencyProxy, type LatencyProxy} from './harness/latency-proxy.ts'
import {fleetEnv, HUB_CREDENTIALS, type Moto, roleArn, runFleet, seedAccount, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'

let moto: Moto
let proxy: LatencyProxy
let dir: string
const ids = [uniqueAccountId(), uniqueAccountId()]
const keyInput = `${HUB_CREDENTIALS.accessKeyId}\n${HUB_CREDENTIALS.secretAccessKey}\n`

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  dir = await mkdtemp(join(tmpdir(), 'fleet-creds-'))
  for (const id of ids) await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'x'}}]})
})

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
})

/** A profile whose name is unique, so its keychain entries are its own. */
async function profile(hub: object): Promise<{file: string; name: string}> {
  const name = `creds-${Math.random().toString(36).slice(2, 8)}`
  const accounts = Object.fromEntries(ids.map((id, i) => [`a${i}`, {accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: 'x'}}}]))
  const file = await writeProfile(dir, {region: 'ap-northeast-2', hub, accounts}, name)
  return {file, name}
}

/** The environment of a keychain user: no AWS_* key in sight. */
const keychainEnv = () => fleetEnv(proxy, {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})

describe('login, the keychain and cached sessions', () => {
  it('stores the hub key from stdin, never echoing it, and uses it', async () => {
    const {file, name} = await profile({source: 'keychain'})
    const env = keychainEnv()
    const login = await runFleet(['login', '--profile', file, '--stdin', '--json'], {env, input: keyInput})
    expect(login.exitCode, login.stderr).toBe(0)
    expect(JSON.parse(login.stdout)).toMatchObject({profile: name, stored: true})
    for (const text of [login.stdout, login.stderr]) expect(text).not.toContain(HUB_CREDENTIALS.secretAccessKey)
    expect(JSON.parse((await keytar.getPassword('fleet', name))!)).toEqual(HUB_CREDENTIALS)

    proxy.clear()
    const first = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(proxy.count({action: 'AssumeRole'})).toBe(2)
    const cached = await keytar.findCredentials('fleet-session')
    expect(cached.map((c) => c.account).filter((a) => a.startsWith(`${name}:`)).sort()).toEqual([`${name}:a0`, `${name}:a1`])

    proxy.clear()
    const second = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(second.exitCode, second.stderr).toBe(0)
    expect(proxy.count({service: 'sts'})).toBe(0)
    expect(proxy.count({action: 'DescribeInstances'})).toBe(2)
  })

  it('prints no secret even with every debug channel on', async () => {
    const {file} = await profile({source: 'keychain'})
    const env = {...keychainEnv(), DEBUG: '*'}
    await runFleet(['login', '--profile', file, '--stdin'], {env, input: keyInput})
    const first = await runFleet(['status', '--profile', file, '--json'], {env})
    const second = await runFleet(['status', '--profile', file], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stderr).toContain('fleet:aws')
    const sessions = (await keytar.findCredentials('fleet-session')).map((c) => JSON.parse(c.password) as {secretAccessKey: string; sessionToken: string})
    expect(sessions.length).toBeGreaterThan(0)
    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr]) {
      expect(text).not.toContain(HUB_CREDENTIALS.secretAccessKey)
      for (const s of sessions) {
        expect(text).not.toContain(s.secretAccessKey)
        expect(text).not.toContain(s.sessionToken)
      }
    }
  })

  it('logout removes the key and the sessions; then status says to log in (exit 2)', async () => {
    const {file, name} = await profile({source: 'keychain'})
    const env = keychainEnv()
    await runFleet(['login', '--profile', file, '--stdin'], {env, input: keyInput})
    await runFleet(['status', '--profile', file, '--json'], {env})
    const out = await runFleet(['logout', '--profile', file, '--json'], {env})
    expect(JSON.parse(out.stdout)).toEqual({profile: name, removed: true, sessions: 2})
    expect(await keytar.getPassword('fleet', name)).toBeNull()
    const status = await runFleet(['status', '--profile', file], {env})
    expect(status.exitCode).toBe(2)
    expect(status.stderr).toContain(`fleet login --profile ${name}`)
  })

  it('refuses a key AWS rejects and stores nothing', async () => {
    const {file, name} = await profile({source: 'keychain'})
    proxy.inject({action: 'GetCallerIdentity', kind: 'error', status: 403, code: 'InvalidClientTokenId', message: 'invalid'})
    const run = await runFleet(['login', '--profile', file, '--stdin'], {env: keychainEnv(), input: keyInput})
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('AWS refused that key; nothing was stored.')
    expect(await keytar.getPassword('fleet', name)).toBeNull()
  })

  it('refuses to read a key without --stdin when there is no TTY', async () => {
    const {file} = await profile({source: 'keychain'})
    const run = await runFleet(['login', '--profile', file], {env: keychainEnv()})
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('--stdin')
  })
})

describe('MFA', () => {
  it('makes one GetSessionToken, assumes every role with it, and reuses it next time', async () => {
    const {file} = await profile({source: 'env', mfaSerial: 'arn:aws:iam::123456789012:mfa/me'})
    const env = fleetEnv(proxy, {FLEET_MFA_CODE: '123456'})
    proxy.clear()
    const first = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    expect(proxy.count({action: 'GetSessionToken'})).toBe(1)
    const assumes = proxy.requests({action: 'AssumeRole'})
    expect(assumes).toHaveLength(2)
    // Signed with the MFA session, not with the hub's long-lived key.
    for (const r of assumes) expect(r.accessKeyId).not.toBe(HUB_CREDENTIALS.accessKeyId)

    proxy.clear()
    await runFleet(['status', '--profile', file, '--json'], {env: {...env, FLEET_MFA_CODE: undefined}})
    expect(proxy.count({service: 'sts'})).toBe(0)
  })

  it('asks for a code it cannot prompt for with a clear error', async () => {
    const {file} = await profile({source: 'env', mfaSerial: 'arn:aws:iam::123456789012:mfa/other'})
    const run = await runFleet(['status', '--profile', file], {env: fleetEnv(proxy)})
    expect(run.exitCode).toBe(2)
    expect(run.stderr).toContain('FLEET_MFA_CODE')
  })
})

describe('other hub sources', () => {
  it('reads an AWS CLI profile from ~/.aws', async () => {
    const {file} = await profile({source: 'aws-profile', awsProfile: 'hub'})
    const env = fleetEnv(proxy, {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})
    await mkdir(join(env.HOME, '.aws'), {recursive: true})
    await writeFile(
      join(env.HOME, '.aws', 'credentials'),
      `[hub]\naws_access_key_id = AKIAPROFILEHUB000001\naws_secret_access_key = profileHubSecret00000000000000000000001\n`,
    )
    proxy.clear()
    const run = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(proxy.requests({action: 'AssumeRole'})[0]?.accessKeyId).toBe('AKIAPROFILEHUB000001')
  })

  it('says clearly when no Secret Service is reachable, naming the alternatives', async () => {
    const {file} = await profile({source: 'keychain'})
    const env = fleetEnv(proxy, {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: undefined})
    const run = await runFleet(['status', '--profile', file], {env})
    expect(run.exitCode).toBe(3)
    expect(run.stderr).toContain('No OS keychain')
    expect(run.stderr).toContain('hub.source: env')
    expect(run.stderr).toContain('hub.source: aws-profile')
  })

  it('works without a keychain when the hub comes from the environment', async () => {
    const {file} = await profile({source: 'env'})
    const env = fleetEnv(proxy, {DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', DISPLAY: undefined})
    const run = await runFleet(['status', '--profile', file, '--json'], {env})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stderr).toBe('')
  })
})
