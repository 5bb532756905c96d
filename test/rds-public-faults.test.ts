/**
 * `fleet rds-public` when things go wrong, with real peers (moto behind the
 * recording proxy, three sshd "hosts" with real `.env` files and a restart
 * script that can fail on purpose): a failed restart puts the old `.env`
 * back and restarts again, the others are still done, and a re-run
 * converges; files fleet will not edit are named with their host and left
 * byte for byte; refusals come before any change; shared mode edits nothing.
 */
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type AppHosts, startAppHosts} from './harness/app-hosts.ts'
import {type LatencyProxy, startLatencyProxy} from './harness/latency-proxy.ts'
import {type FleetRun, fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, tempDir, uniqueAccountId, writeProfile} from './harness/moto.ts'
import {seedDb} from './harness/rds.ts'

const APP_IPS = ['127.0.0.61', '127.0.0.62', '127.0.0.63']
const LB_IP = '127.0.0.60'
const SECRET = 'Fault-Pw-93'
const PUBLIC = `jdbc:mysql://{endpoint}:{port}/parking?password=${SECRET}`
const PRIVATE = 'jdbc:mysql://{lb.privateIp}:3306/parking'
const READS = /^(Describe|Get|List|AssumeRole$)/

let moto: Moto
let proxy: LatencyProxy
let apps: AppHosts
let dir: string
const ids = {lb: uniqueAccountId(), a1: uniqueAccountId(), a2: uniqueAccountId(), a3: uniqueAccountId(), a4: uniqueAccountId()}
const outputs: FleetRun[] = []
/** Endpoint address:port of each DB, from a first status. */
const endpoints = new Map<string, string>()

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  apps = await startAppHosts(APP_IPS)
  await seedAccount(proxy, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, privateIp: LB_IP}]})
  for (const [i, id] of [ids.a1, ids.a2, ids.a3].entries()) await seedAccount(proxy, {accountId: id, instances: [{tags: {fleet: 'app'}, privateIp: APP_IPS[i]}]})
  await seedAccount(proxy, {accountId: ids.a4, instances: [{tags: {fleet: 'app'}, state: 'stopped'}]})
  for (const identifier of ['db-restart', 'db-files', 'db-shared']) await seedDb(proxy, {accountId: ids.lb, identifier, withInternetGateway: true, securityGroup: true})
  await seedDb(proxy, {accountId: ids.a3, identifier: 'closed-db', withInternetGateway: false, securityGroup: true})
  dir = tempDir('fleet-rds-faults-')
})

afterAll(async () => {
  await apps?.stop()
  await proxy?.stop()
  await moto?.stop()
})

interface ProfileOptions {
  instance: string
  account?: string
  public?: string
  private?: string
  restart?: string | null
  withStopped?: boolean
}

async function profileFor(name: string, o: ProfileOptions): Promise<string> {
  const account = (id: string, tag: string, extra: object = {}) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ...extra})
  const appNames = ['app-1', 'app-2', 'app-3', ...(o.withStopped ? ['app-4'] : [])]
  return writeProfile(dir, {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {
      lb: account(ids.lb, 'lb'),
      'app-1': account(ids.a1, 'app', {ssh: apps.hosts[0]!.ssh}),
      'app-2': account(ids.a2, 'app', {ssh: apps.hosts[1]!.ssh}),
      'app-3': account(ids.a3, 'app', {ssh: apps.hosts[2]!.ssh}),
      'app-4': account(ids.a4, 'app'),
    },
    nginx: {on: 'lb', config: '/etc/nginx/nginx.conf', upstreamFile: '/etc/nginx/conf.d/fleet.conf', upstream: 'backend'},
    apps: o.restart === null ? {port: 8080} : {port: 8080, restart: o.restart ?? apps.restart},
    rds: {account: o.account ?? 'lb', instance: o.instance, envFile: apps.envFile, public: o.public ?? PUBLIC, private: o.private ?? PRIVATE},
    architectures: {'6': {apps: appNames}},
  }, name)
}

async function fleet(profile: string, args: string[]): Promise<FleetRun> {
  const env = fleetEnv(proxy, {FLEET_WAIT_MIN_DELAY: '0.1', FLEET_WAIT_MAX_DELAY: '0.2'})
  const run = await runFleet(['rds-public', ...args, '--profile', profile, '--arch', '6'], {env})
  outputs.push(run)
  return run
}

/** The DB's rendered URLs (the endpoint read with a status run). */
async function urlsOf(profile: string, instance: string): Promise<{public: string; private: string}> {
  if (!endpoints.has(instance)) {
    const out = JSON.parse((await fleet(profile, ['status', '--json'])).stdout)
    endpoints.set(instance, `${out.endpoint}:${out.port}`)
  }
  return {public: `jdbc:mysql://${endpoints.get(instance)}/parking?password=${SECRET}`, private: `jdbc:mysql://${LB_IP}:3306/parking`}
}

const story = (active: string, commented: string) => `APP=parking\n#DB_URL=${commented}\nDB_URL=${active}\nDB_PASSWORD=${SECRET}\n`
const envs = () => Promise.all(apps.hosts.map((h) => h.env()))
const restartCounts = async () => (await Promise.all(apps.hosts.map((h) => h.restarts()))).map((l) => l.length)
const resetHosts = () => Promise.all(apps.hosts.map((h) => h.reset()))
const mutating = () => proxy.records.map((r) => r.action ?? '?').filter((a) => !READS.test(a))
type Server = {account: string; outcome: string; ok: boolean; restarted: boolean; dbUrlMode: string | null; error: {code: string; message: string} | null}

describe('a restart that fails', () => {
  let profile: string
  let u: {public: string; private: string}

  beforeAll(async () => {
    profile = await profileFor('restart', {instance: 'db-restart', withStopped: true})
    u = await urlsOf(profile, 'db-restart')
    await resetHosts()
    for (const host of apps.hosts) await host.setEnv(story(u.private, u.public))
  })

  it('once: that server gets its old .env back and apps.restart runs again; the others are done; exit 3; a re-run converges', async () => {
    const original = await envs()
    await apps.hosts[1]!.failRestarts(1)
    const run = await fleet(profile, ['on', '--json'])
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: true, error: null, appsRestarted: true})
    const [s1, s2, s3, s4] = out.servers as Server[]
    expect(s1).toMatchObject({outcome: 'switched', ok: true, dbUrlMode: 'public'})
    expect(s2).toMatchObject({account: 'app-2', outcome: 'restored', ok: false, restarted: true, dbUrlMode: 'private', error: {code: 'AppRestartFailed'}})
    expect(s2!.error!.message).toMatch(/apps.restart .* exited with 1 on app-2 .*\n.*container exited with code 1/)
    expect(s2!.error!.message).toContain('The files were restored and made live again.')
    expect(s3).toMatchObject({outcome: 'switched', ok: true})
    expect(s4).toMatchObject({account: 'app-4', outcome: 'skipped', ok: true, restarted: false})
    expect((await envs())[1]).toEqual(original[1])
    const log = await apps.hosts[1]!.restarts()
    expect(log.map((l) => [l.failed, l.line.includes(SECRET)])).toEqual([
      [true, true],
      [false, false],
    ])
    const human = await fleet(profile, ['status'])
    expect(human.stdout).toMatch(/app-2\s+private/)

    const again = await fleet(profile, ['on', '--json'])
    expect(again.exitCode, again.stdout).toBe(0)
    expect((JSON.parse(again.stdout).servers as Server[]).map((s) => s.outcome)).toEqual(['unchanged', 'switched', 'unchanged', 'skipped'])
    expect(await restartCounts()).toEqual([1, 3, 1])
  })

  it('twice, on off: reported unknown and named; the flag still goes off', async () => {
    await apps.hosts[1]!.failRestarts(2)
    const before = await apps.hosts[1]!.env()
    const run = await fleet(profile, ['off', '--json'])
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: false, flagChange: {applied: true}, error: null})
    const s2 = (out.servers as Server[])[1]!
    expect(s2).toMatchObject({outcome: 'unknown', ok: false, dbUrlMode: null, error: {code: 'RestoreIncomplete'}})
    expect(s2.error!.message).toContain('could not be made live again')
    expect(out.warnings.join('\n')).toContain('app-2 could not be switched to the private URL: it still points at the public endpoint and will fail once public access is off.')
    // The file itself is back; only the app's state is unknown
    expect(await apps.hosts[1]!.env()).toEqual(before)
    const human = await fleet(profile, ['off'])
    expect(human.exitCode).toBe(0)
  })
})

describe('.env files fleet will not edit', () => {
  let profile: string
  let u: {public: string; private: string}

  beforeAll(async () => {
    profile = await profileFor('files', {instance: 'db-files'})
    u = await urlsOf(profile, 'db-files')
    await resetHosts()
  })

  it('no DB_URL line, two active DB_URL lines, a read-only file: each named with its host and left byte for byte (exit 3)', async () => {
    await apps.hosts[0]!.setEnv(`APP=parking\n#DB_URL=${u.public}\n`)
    await apps.hosts[1]!.setEnv(`DB_URL=${u.private}\nDB_URL=${u.public}\n`)
    await apps.hosts[2]!.setEnv(story(u.private, u.public), 0o444)
    const before = await envs()
    const run = await fleet(profile, ['on', '--json'])
    expect(run.exitCode, run.stderr).toBe(3)
    const servers = JSON.parse(run.stdout).servers as Server[]
    expect(servers.map((s) => [s.outcome, s.error?.code])).toEqual([
      ['failed', 'EnvKeyMissing'],
      ['failed', 'EnvKeyAmbiguous'],
      ['failed', 'EnvReadOnly'],
    ])
    for (const [i, s] of servers.entries()) expect(s.error!.message).toContain(`${apps.envFile} on app-${i + 1} (`)
    expect(servers[1]!.error!.message).toContain('sets DB_URL on 2 active lines (1, 2)')
    expect(servers[2]!.error!.message).toContain('is read-only (mode 0444)')
    expect(await envs()).toEqual(before)
    expect(await restartCounts()).toEqual([0, 0, 0])
    for (const host of apps.hosts) await expect(stat(join(host.dir, '.env.fleet-backup'))).rejects.toThrow()
    const human = await fleet(profile, ['on'])
    expect(human.stdout).toContain('✗ app-1: ')
    expect(human.stdout).toContain('Uncomment line 2 (#DB_URL=...)')
  })

  it('a DB_URL that is neither URL: refused without --force (exit 4), replaced with it', async () => {
    for (const host of apps.hosts) await host.setEnv(story(u.public, u.private))
    await apps.hosts[0]!.setEnv('DB_URL=jdbc:mysql://admin:Other-Pw-1@old-db:3306/parking\n')
    const refused = await fleet(profile, ['on', '--json'])
    expect(refused.exitCode).toBe(4)
    const [s1] = JSON.parse(refused.stdout).servers as Server[]
    expect(s1).toMatchObject({outcome: 'failed', dbUrlMode: null, error: {code: 'EnvValueOther'}})
    expect(s1!.error!.message).toContain('admin:****@old-db')
    const forced = await fleet(profile, ['on', '--force', '--json'])
    expect(forced.exitCode, forced.stdout).toBe(0)
    expect((JSON.parse(forced.stdout).servers as Server[]).map((s) => s.outcome)).toEqual(['switched', 'unchanged', 'unchanged'])
    expect((await apps.hosts[0]!.env())!.toString()).toBe(`DB_URL=${u.public}\n`)
    for (const run of [refused, forced]) expect(run.stdout + run.stderr).not.toContain('Other-Pw-1')
  })
})

describe('refused before anything changes', () => {
  it('a DB whose VPC has no internet gateway (exit 3): no AWS change, no host touched', async () => {
    const profile = await profileFor('closed', {instance: 'closed-db', account: 'app-3'})
    await resetHosts()
    proxy.clear()
    const run = await fleet(profile, ['on', '--json'])
    expect(run.exitCode).toBe(3)
    const {error} = JSON.parse(run.stdout)
    expect(error.code).toBe('NoInternetGateway')
    expect(error.message).toMatch(/closed-db's VPC vpc-\w+ \(account app-3\) has no internet gateway/)
    expect(mutating()).toEqual([])
    expect(await restartCounts()).toEqual([0, 0, 0])
  })

  it('an rds.instance that does not exist (exit 3), a template placeholder fleet does not know (exit 2), no apps.restart (exit 2)', async () => {
    proxy.clear()
    const missing = await fleet(await profileFor('missing', {instance: 'nope-db'}), ['on', '--json'])
    expect(missing.exitCode).toBe(3)
    expect(JSON.parse(missing.stdout).error).toMatchObject({code: 'DbNotFound'})
    expect(JSON.parse(missing.stdout).error.message).toContain('rds.instance `nope-db` does not exist in account lb (')

    const typo = await fleet(await profileFor('typo', {instance: 'db-files', public: 'jdbc:mysql://{endpoit}:{port}/parking'}), ['on'])
    expect(typo.exitCode).toBe(2)
    expect(typo.stderr).toMatch(/typo\.yaml:\d+:\d+/)
    expect(typo.stderr).toContain('rds.public')
    expect(typo.stderr).toContain('{endpoit}')

    const norestart = await fleet(await profileFor('norestart', {instance: 'db-files', restart: null}), ['off', '--json'])
    expect(norestart.exitCode).toBe(2)
    expect(JSON.parse(norestart.stdout).error).toMatchObject({code: 'MissingRestart'})
    expect(mutating()).toEqual([])
  })
})

describe('shared mode: one URL for both', () => {
  it('no .env is edited; the apps restart once the flag has changed, and only then', async () => {
    const shared = 'jdbc:mysql://{endpoint}:{port}/parking'
    const profile = await profileFor('shared', {instance: 'db-shared', public: shared, private: shared})
    await resetHosts()
    const url = `jdbc:mysql://${(await urlsOf(profile, 'db-shared')).public.split('/')[2]}/parking`
    for (const host of apps.hosts) await host.setEnv(`DB_URL=${url}\n`)
    const before = await envs()

    proxy.clear()
    const on = await fleet(profile, ['on', '--json'])
    expect(on.exitCode, on.stdout).toBe(0)
    const out = JSON.parse(on.stdout)
    expect(out).toMatchObject({shared: true, publiclyAccessible: true, appsRestarted: true})
    expect((out.servers as Server[]).map((s) => [s.dbUrlMode, s.outcome, s.restarted])).toEqual(Array(3).fill(['shared', 'restarted', true]))
    const modifiedAt = proxy.requests({action: 'ModifyDBInstance'})[0]!.startedAt
    for (const host of apps.hosts) expect((await host.restarts())[0]!.at).toBeGreaterThan(modifiedAt)
    expect(await envs()).toEqual(before)

    const again = await fleet(profile, ['on', '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({converged: true, appsRestarted: false})
    expect(await restartCounts()).toEqual([1, 1, 1])

    proxy.clear()
    const off = await fleet(profile, ['off', '--json'])
    expect(off.exitCode).toBe(0)
    expect(JSON.parse(off.stdout)).toMatchObject({publiclyAccessible: false, appsRestarted: true})
    const offAt = proxy.requests({action: 'ModifyDBInstance'})[0]!.startedAt
    for (const host of apps.hosts) expect((await host.restarts())[1]!.at).toBeGreaterThan(offAt)
    expect(await envs()).toEqual(before)
  })
})

it('no password reached stdout or stderr of any run', () => {
  expect(outputs.length).toBeGreaterThan(10)
  for (const run of outputs) expect(run.stdout + run.stderr).not.toContain(SECRET)
})
