/**
 * `fleet rds-public` when things go wrong, with real peers on the story rig
 * (moto behind the recording proxy, three sshd app hosts with real `.env`
 * files and a restart script that can fail on purpose): a failed restart
 * puts the old `.env` back and restarts again, the others are still done,
 * and a re-run converges; files fleet will not edit are named with their
 * host and left byte for byte; refusals come before any change; shared mode
 * edits nothing.
 */
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type FleetRun, runFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'

const SECRET = 'Fault-Pw-93'
const PUBLIC = `jdbc:mysql://{endpoint}:{port}/parking?password=${SECRET}`
const PRIVATE = 'jdbc:mysql://{lb.privateIp}:3306/parking'
const READS = /^(Describe|Get|List|AssumeRole$)/

let rig: StoryRig
const outputs: FleetRun[] = []
/** Endpoint address:port of each DB, from a first status. */
const endpoints = new Map<string, string>()

// The story rig (moto behind the slow-AWS proxy, the LB and three app hosts
// on 127.0.0.70-73), every instance running but app-4's (no SSH host, no
// private IP of ours), three DBs in lb's account and one in app-3's whose
// VPC has no internet gateway.
beforeAll(async () => {
  rig = await startStoryRig({
    base: 70,
    state: 'running',
    name: 'rds-faults',
    accounts: {'app-4': {state: 'stopped', privateIp: null}},
    dbs: [
      ...['db-restart', 'db-files', 'db-shared'].map((identifier) => ({identifier, account: 'lb', withInternetGateway: true, securityGroup: true})),
      {identifier: 'closed-db', account: 'app-3', withInternetGateway: false, securityGroup: true},
    ],
  })
  // As before the rig: hosts start without a .env.
  await Promise.all(rig.apps.hosts.map((h) => h.removeEnv()))
}, 120_000)

afterAll(async () => {
  await rig?.stop()
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
  const appNames = ['app-1', 'app-2', 'app-3', ...(o.withStopped ? ['app-4'] : [])]
  return rig.writeProfile({
    accounts: Object.fromEntries(['lb', 'app-1', 'app-2', 'app-3', 'app-4'].map((account) => [account, rig.account(account)])),
    apps: o.restart === null ? {port: 8080} : {port: 8080, restart: o.restart ?? rig.apps.restart},
    rds: {account: o.account ?? 'lb', instance: o.instance, envFile: rig.apps.envFile, public: o.public ?? PUBLIC, private: o.private ?? PRIVATE},
    architectures: {'6': {apps: appNames}},
  }, name)
}

async function fleet(profile: string, args: string[]): Promise<FleetRun> {
  const env = {...rig.env, FLEET_WAIT_MIN_DELAY: '0.1', FLEET_WAIT_MAX_DELAY: '0.2'}
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
  return {public: `jdbc:mysql://${endpoints.get(instance)}/parking?password=${SECRET}`, private: `jdbc:mysql://${rig.addresses.lb}:3306/parking`}
}

const story = (active: string, commented: string) => `APP=parking\n#DB_URL=${commented}\nDB_URL=${active}\nDB_PASSWORD=${SECRET}\n`
const envs = () => Promise.all(rig.apps.hosts.map((h) => h.env()))
const restartCounts = async () => (await Promise.all(rig.apps.hosts.map((h) => h.restarts()))).map((l) => l.length)
const resetHosts = () => Promise.all(rig.apps.hosts.map((h) => h.reset()))
const mutating = () => rig.proxy.records.map((r) => r.action ?? '?').filter((a) => !READS.test(a))
type Server = {account: string; outcome: string; ok: boolean; restarted: boolean; dbUrlMode: string | null; error: {code: string; message: string} | null}

describe('a restart that fails', () => {
  let profile: string
  let u: {public: string; private: string}

  beforeAll(async () => {
    profile = await profileFor('restart', {instance: 'db-restart', withStopped: true})
    u = await urlsOf(profile, 'db-restart')
    await resetHosts()
    for (const host of rig.apps.hosts) await host.setEnv(story(u.private, u.public))
  })

  it('once: that server gets its old .env back and apps.restart runs again; the others are done; exit 3; a re-run converges', async () => {
    const original = await envs()
    await rig.apps.hosts[1]!.failRestarts(1)
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
    const log = await rig.apps.hosts[1]!.restarts()
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
    await rig.apps.hosts[1]!.failRestarts(2)
    const before = await rig.apps.hosts[1]!.env()
    const run = await fleet(profile, ['off', '--json'])
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: false, flagChange: {applied: true}, error: null})
    const s2 = (out.servers as Server[])[1]!
    expect(s2).toMatchObject({outcome: 'unknown', ok: false, dbUrlMode: null, error: {code: 'RestoreIncomplete'}})
    expect(s2.error!.message).toContain('could not be made live again')
    expect(out.warnings.join('\n')).toContain('app-2 could not be switched to the private URL: it still points at the public endpoint and will fail once public access is off.')
    // The file itself is back; only the app's state is unknown
    expect(await rig.apps.hosts[1]!.env()).toEqual(before)
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
    await rig.apps.hosts[0]!.setEnv(`APP=parking\n#DB_URL=${u.public}\n`)
    await rig.apps.hosts[1]!.setEnv(`DB_URL=${u.private}\nDB_URL=${u.public}\n`)
    await rig.apps.hosts[2]!.setEnv(story(u.private, u.public), 0o444)
    const before = await envs()
    const run = await fleet(profile, ['on', '--json'])
    expect(run.exitCode, run.stderr).toBe(3)
    const servers = JSON.parse(run.stdout).servers as Server[]
    expect(servers.map((s) => [s.outcome, s.error?.code])).toEqual([
      ['failed', 'EnvKeyMissing'],
      ['failed', 'EnvKeyAmbiguous'],
      ['failed', 'EnvReadOnly'],
    ])
    for (const [i, s] of servers.entries()) expect(s.error!.message).toContain(`${rig.apps.envFile} on app-${i + 1} (`)
    expect(servers[1]!.error!.message).toContain('sets DB_URL on 2 active lines (1, 2)')
    expect(servers[2]!.error!.message).toContain('is read-only (mode 0444)')
    expect(await envs()).toEqual(before)
    expect(await restartCounts()).toEqual([0, 0, 0])
    for (const host of rig.apps.hosts) await expect(stat(join(host.dir, '.env.fleet-backup'))).rejects.toThrow()
    const human = await fleet(profile, ['on'])
    expect(human.stdout).toContain('✗ app-1: ')
    expect(human.stdout).toContain('Uncomment line 2 (#DB_URL=...)')
  })

  it('a DB_URL that is neither URL: refused without --force (exit 4), replaced with it', async () => {
    for (const host of rig.apps.hosts) await host.setEnv(story(u.public, u.private))
    await rig.apps.hosts[0]!.setEnv('DB_URL=jdbc:mysql://admin:Other-Pw-1@old-db:3306/parking\n')
    const refused = await fleet(profile, ['on', '--json'])
    expect(refused.exitCode).toBe(4)
    const [s1] = JSON.parse(refused.stdout).servers as Server[]
    expect(s1).toMatchObject({outcome: 'failed', dbUrlMode: null, error: {code: 'EnvValueOther'}})
    expect(s1!.error!.message).toContain('admin:****@old-db')
    const forced = await fleet(profile, ['on', '--force', '--json'])
    expect(forced.exitCode, forced.stdout).toBe(0)
    expect((JSON.parse(forced.stdout).servers as Server[]).map((s) => s.outcome)).toEqual(['switched', 'unchanged', 'unchanged'])
    expect((await rig.apps.hosts[0]!.env())!.toString()).toBe(`DB_URL=${u.public}\n`)
    for (const run of [refused, forced]) expect(run.stdout + run.stderr).not.toContain('Other-Pw-1')
  })
})

describe('refused before anything changes', () => {
  it('a DB whose VPC has no internet gateway (exit 3): no AWS change, no host touched', async () => {
    const profile = await profileFor('closed', {instance: 'closed-db', account: 'app-3'})
    await resetHosts()
    rig.proxy.clear()
    const run = await fleet(profile, ['on', '--json'])
    expect(run.exitCode).toBe(3)
    const {error} = JSON.parse(run.stdout)
    expect(error.code).toBe('NoInternetGateway')
    expect(error.message).toMatch(/closed-db's VPC vpc-\w+ \(account app-3\) has no internet gateway/)
    expect(mutating()).toEqual([])
    expect(await restartCounts()).toEqual([0, 0, 0])
  })

  it('an rds.instance that does not exist (exit 3), a template placeholder fleet does not know (exit 2), no apps.restart (exit 2)', async () => {
    rig.proxy.clear()
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
    for (const host of rig.apps.hosts) await host.setEnv(`DB_URL=${url}\n`)
    const before = await envs()

    rig.proxy.clear()
    const on = await fleet(profile, ['on', '--json'])
    expect(on.exitCode, on.stdout).toBe(0)
    const out = JSON.parse(on.stdout)
    expect(out).toMatchObject({shared: true, publiclyAccessible: true, appsRestarted: true})
    expect((out.servers as Server[]).map((s) => [s.dbUrlMode, s.outcome, s.restarted])).toEqual(Array(3).fill(['shared', 'restarted', true]))
    const modifiedAt = rig.proxy.requests({action: 'ModifyDBInstance'})[0]!.startedAt
    for (const host of rig.apps.hosts) expect((await host.restarts())[0]!.at).toBeGreaterThan(modifiedAt)
    expect(await envs()).toEqual(before)

    const again = await fleet(profile, ['on', '--json'])
    expect(JSON.parse(again.stdout)).toMatchObject({converged: true, appsRestarted: false})
    expect(await restartCounts()).toEqual([1, 1, 1])

    rig.proxy.clear()
    const off = await fleet(profile, ['off', '--json'])
    expect(off.exitCode).toBe(0)
    expect(JSON.parse(off.stdout)).toMatchObject({publiclyAccessible: false, appsRestarted: true})
    const offAt = rig.proxy.requests({action: 'ModifyDBInstance'})[0]!.startedAt
    for (const host of rig.apps.hosts) expect((await host.restarts())[1]!.at).toBeGreaterThan(offAt)
    expect(await envs()).toEqual(before)
  })
})

it('no password reached stdout or stderr of any run', () => {
  expect(outputs.length).toBeGreaterThan(10)
  for (const run of outputs) expect(run.stdout + run.stderr).not.toContain(SECRET)
})
