/**
 * `fleet rds-public on|off|status` end to end with real peers, on the story
 * rig: moto holds the DB, its security group and the instances; the
 * recording proxy's slow-AWS mode keeps the DB `available`, then
 * `modifying`, with its old flag for a while after ModifyDBInstance (as AWS
 * does) and proves the order; the rig's three real sshd app hosts hold real
 * `.env` files (the story's file, a CRLF one, one with its own mode and
 * owner) and a restart script whose runs the test reads back.
 */
import {chown, stat} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeSecurityGroupRulesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mtimeOf} from './harness/app-hosts.ts'
import {accountEc2, type FleetRun, runFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'

const SECRETS = ['PubPw-5ecret', 'PrivPw-5ecret', 'EnvPw-5ecret']
const PUBLIC = 'jdbc:mysql://{endpoint}:{port}/parking?user=admin&password=PubPw-5ecret'
const PRIVATE = 'jdbc:mysql://admin:PrivPw-5ecret@{lb.privateIp}:3306/parking'
const READS = /^(Describe|Get|List|AssumeRole$)/

let rig: StoryRig
let dbGroup: string
let profile: string
let endpoint: string
const outputs: FleetRun[] = []

/** The rendered URLs, once the DB's endpoint is known. */
const urls = () => ({public: `jdbc:mysql://${endpoint}/parking?user=admin&password=PubPw-5ecret`, private: `jdbc:mysql://admin:PrivPw-5ecret@${rig.addresses.lb}:3306/parking`})

// app-1: the story's file, the public URL commented out under the private one.
const story = (u = urls()) => ['# honorsParking', 'SPRING_PROFILES_ACTIVE=prod', `DB_URL=${u.private}`, `#DB_URL=${u.public}`, 'DB_USERNAME=admin', 'DB_PASSWORD=EnvPw-5ecret', ''].join('\n')
const storyOn = (u = urls()) => ['# honorsParking', 'SPRING_PROFILES_ACTIVE=prod', `#DB_URL=${u.private}`, `DB_URL=${u.public}`, 'DB_USERNAME=admin', 'DB_PASSWORD=EnvPw-5ecret', ''].join('\n')
// app-2: CRLF, a BOM, the key once, double-quoted.
const crlf = (u: string) => `\uFEFFREDIS_HOST=redis.example.com\r\nDB_URL="${u}"\r\n\r\n# keep me\r\nDB_PASSWORD='EnvPw-5ecret'\r\n`
// app-3: `export`, no final newline; its own mode and owner.
const exported = (u: string) => `export DB_USERNAME=admin\nexport DB_URL=${u}\nexport JWT_SECRET=EnvPw-5ecret`

// The story rig (moto behind the slow-AWS proxy, the LB and three app hosts
// on 127.0.0.60-63), every instance running, parking-db in lb's account.
beforeAll(async () => {
  rig = await startStoryRig({base: 60, state: 'running', name: 'rds-public', dbs: [{identifier: 'parking-db', account: 'lb', withInternetGateway: true, securityGroup: true}]})
  dbGroup = rig.dbs['parking-db']!.groupId!
  // The first test starts from hosts without a .env.
  await Promise.all(rig.apps.hosts.map((h) => h.removeEnv()))
  profile = await rig.writeProfile({
    accounts: {lb: rig.account('lb'), 'app-1': rig.account('app-1'), 'app-2': rig.account('app-2'), 'app-3': rig.account('app-3')},
    apps: {port: 8080, restart: rig.apps.restart},
    rds: {account: 'lb', instance: 'parking-db', envFile: rig.apps.envFile, key: 'DB_URL', public: PUBLIC, private: PRIVATE},
    architectures: {'6': {apps: ['app-1', 'app-2', 'app-3']}},
  }, 'rds-main')
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

async function fleet(args: string[], extra: Record<string, string> = {}): Promise<FleetRun> {
  const env = {...rig.env, FLEET_WAIT_MIN_DELAY: '0.1', FLEET_WAIT_MAX_DELAY: '0.2', ...extra}
  const run = await runFleet(['rds-public', ...args, '--profile', profile, '--arch', '6'], {env})
  outputs.push(run)
  return run
}

const envs = () => Promise.all(rig.apps.hosts.map((h) => h.env()))
const restarts = () => Promise.all(rig.apps.hosts.map((h) => h.restarts()))

async function fleetRules(): Promise<string[]> {
  const ec2 = await accountEc2(rig.moto, rig.ids.lb)
  const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({Filters: [{Name: 'group-id', Values: [dbGroup]}]}))).SecurityGroupRules ?? []
  ec2.destroy()
  return rules.filter((r) => r.Description === 'fleet:rds-main' && !r.IsEgress).map((r) => `${r.CidrIpv4} ${r.FromPort}`).sort()
}

describe('fleet rds-public, in the safe order, byte for byte', () => {
  let originals: Array<Buffer | null>

  it('status: the flag, the endpoint, the cost and which URL each .env holds', async () => {
    // Before the hosts have a .env: each server is named with the file it lacks (exit 3)
    const first = await fleet(['status', '--json'])
    expect(first.exitCode, first.stderr).toBe(3)
    const out = JSON.parse(first.stdout)
    expect(out.servers[0].error).toMatchObject({code: 'EnvFileMissing'})
    expect(out.servers[0].error.message).toContain(`rds.envFile ${rig.apps.envFile} does not exist on app-1`)
    endpoint = `${out.endpoint}:${out.port}`
    expect(out.port).toBe(3306)
    // The hosts' files, now that the endpoint is known
    await rig.apps.hosts[0]!.setEnv(story())
    await rig.apps.hosts[1]!.setEnv(crlf(urls().private))
    await rig.apps.hosts[2]!.setEnv(exported(urls().private), 0o640)
    await chown(join(rig.apps.hosts[2]!.dir, '.env'), 1234, 1234)
    originals = await envs()

    const run = await fleet(['status', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const status = JSON.parse(run.stdout)
    expect(status).toMatchObject({
      action: 'status',
      publiclyAccessible: false,
      endpoint: out.endpoint,
      port: 3306,
      rules: [],
      db: {account: 'lb', identifier: 'parking-db', status: 'available', securityGroup: dbGroup, internetGateway: true},
      ipv4: {hourlyUsd: 0.005, billedNow: false},
      error: null,
    })
    expect(status.servers.map((s: {account: string; dbUrlMode: string; ok: boolean}) => [s.account, s.dbUrlMode, s.ok])).toEqual([
      ['app-1', 'private', true],
      ['app-2', 'private', true],
      ['app-3', 'private', true],
    ])
    const human = await fleet(['status'])
    expect(human.stdout).toMatch(/parking-db \(account lb\): public access off · available/)
    expect(human.stdout).toMatch(/\$0\.005\/h while public/)
  })

  it('on --dry-run --json: the AWS change, the rules and each .env diff, masked, and nothing changed', async () => {
    rig.proxy.clear()
    // (with every debug channel on: no password in the debug output either)
    const run = await fleet(['on', '--dry-run', '--json'], {DEBUG: '*'})
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({action: 'on', dryRun: true, publiclyAccessible: false, flagChange: {from: false, to: true, applied: false}, converged: false, appsRestarted: false})
    expect(out.securityGroup.authorized).toHaveLength(3)
    for (const rule of out.securityGroup.authorized) expect(rule).toMatch(new RegExp(`^${dbGroup} tcp/3306 from [\\d.]+/32$`))
    expect(out.servers.map((s: {outcome: string}) => s.outcome)).toEqual(['switched', 'switched', 'switched'])
    const [d1, d2, d3] = out.servers.map((s: {diff: string}) => s.diff)
    expect(d1).toContain(`-DB_URL=jdbc:mysql://admin:****@${rig.addresses.lb}:3306/parking`)
    expect(d1).toContain(`+#DB_URL=jdbc:mysql://admin:****@${rig.addresses.lb}:3306/parking`)
    expect(d1).toContain('+DB_URL=jdbc:mysql://')
    // (masking errs on the side of hiding: the closing quote goes with the password)
    expect(d2).toMatch(/\+DB_URL="jdbc:mysql:\/\/.*password=\*\*\*\*/)
    expect(d2).toContain(' DB_PASSWORD=****')
    // Every value but DB_URL's is masked, whatever its key is called.
    expect(d2).toContain('REDIS_HOST=****')
    expect(d2).not.toContain('redis.example.com')
    expect(d3).toContain('-export DB_URL=')
    expect(d3).toContain(' export DB_USERNAME=****')
    expect(await envs()).toEqual(originals)
    expect(rig.proxy.records.map((r) => r.action).filter((a) => !READS.test(a ?? ''))).toEqual([])
    expect((await restarts()).flat()).toEqual([])

    const human = await fleet(['on', '--dry-run'])
    expect(human.stdout).toContain('~ parking-db  PubliclyAccessible false → true')
    expect(human.stdout).toContain(`+ ${dbGroup} tcp/3306 from`)
  })

  it('on: the flag applied (not a first `available` with the old flag) before any .env says public', async () => {
    rig.slow.slowDb('parking-db', {availableMs: 300, modifyingMs: 900})
    rig.proxy.clear()
    const run = await fleet(['on', '--json'])
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: true, flagChange: {from: false, to: true, applied: true}, appsRestarted: true, converged: false, error: null})
    for (const s of out.servers) {
      expect(s).toMatchObject({dbUrlMode: 'public', before: 'private', restarted: true, outcome: 'switched', ok: true, error: null})
    }

    // The order, from the proxy's records and the hosts' clocks
    const modify = rig.proxy.requests({action: 'ModifyDBInstance'})
    expect(modify).toHaveLength(1)
    const describes = rig.proxy.requests({action: 'DescribeDBInstances'}).filter((r) => r.startedAt >= modify[0]!.startedAt)
    expect(describes.some((r) => r.rewritten === 'db')).toBe(true)
    const applied = describes.find((r) => r.rewritten === undefined)!
    expect(applied.startedAt - modify[0]!.startedAt).toBeGreaterThanOrEqual(1100)
    const authorize = rig.proxy.requests({action: 'AuthorizeSecurityGroupIngress'})
    expect(authorize).toHaveLength(1)
    expect(authorize[0]!.startedAt).toBeGreaterThanOrEqual(applied.endedAt!)
    for (const host of rig.apps.hosts) {
      expect(await mtimeOf(host)).toBeGreaterThanOrEqual(authorize[0]!.endedAt!)
      const log = await host.restarts()
      expect(log).toHaveLength(1)
      expect(log[0]!.at).toBeGreaterThanOrEqual(authorize[0]!.endedAt!)
      expect(log[0]!.line).toContain('password=PubPw-5ecret')
    }

    // Byte for byte: the story's comments swapped; CRLF, BOM and quotes kept; mode, owner and inode kept
    const [e1, e2, e3] = await envs()
    expect(e1!.toString()).toBe(storyOn())
    expect(e2!.toString()).toBe(crlf(urls().public))
    expect(e3!.toString()).toBe(exported(urls().public))
    const st = await stat(join(rig.apps.hosts[2]!.dir, '.env'))
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o640, 1234, 1234])
    const backup = await stat(join(rig.apps.hosts[2]!.dir, '.env.fleet-backup'))
    expect([backup.mode & 0o7777, backup.uid, backup.gid]).toEqual([0o640, 1234, 1234])

    // The DB's group admits the three app servers' public IPs, marked
    expect(await fleetRules()).toHaveLength(3)
    expect(out.rules).toHaveLength(3)
  })

  it('on again: converged, read calls only, no .env written, no restart', async () => {
    // (parking-db stays slowed: a converged run sends no ModifyDBInstance, so no window opens)
    const before = await envs()
    const inodes = await Promise.all(rig.apps.hosts.map(async (h) => (await stat(join(h.dir, '.env'))).mtimeMs))
    rig.proxy.clear()
    const run = await fleet(['on', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({converged: true, appsRestarted: false, flagChange: null, publiclyAccessible: true})
    expect(out.servers.map((s: {outcome: string; dbUrlMode: string}) => [s.outcome, s.dbUrlMode])).toEqual([
      ['unchanged', 'public'],
      ['unchanged', 'public'],
      ['unchanged', 'public'],
    ])
    const actions = rig.proxy.records.map((r) => r.action ?? '?')
    expect(actions.filter((a) => !READS.test(a))).toEqual([])
    expect(actions).toContain('DescribeDBInstances')
    expect(await envs()).toEqual(before)
    expect(await Promise.all(rig.apps.hosts.map(async (h) => (await stat(join(h.dir, '.env'))).mtimeMs))).toEqual(inodes)
    expect((await restarts()).map((l) => l.length)).toEqual([1, 1, 1])

    const human = await fleet(['on'])
    expect(human.stdout).toMatch(/^✓ Nothing to do: public access is already on/)
  })

  it('status: on, the fleet-made rules, every server public', async () => {
    const run = await fleet(['status', '--json'])
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: true, ipv4: {billedNow: true}})
    expect(out.rules).toHaveLength(3)
    expect(out.servers.map((s: {dbUrlMode: string}) => s.dbUrlMode)).toEqual(['public', 'public', 'public'])
  })

  it('off: every .env private and restarted before the flag goes off, then the rules revoked; the files are the originals again', async () => {
    rig.slow.slowDb('parking-db', {availableMs: 200, modifyingMs: 500})
    rig.proxy.clear()
    const run = await fleet(['off', '--json'])
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({publiclyAccessible: false, flagChange: {from: true, to: false, applied: true}, appsRestarted: true, rules: []})
    expect(out.servers.map((s: {dbUrlMode: string; outcome: string}) => [s.dbUrlMode, s.outcome])).toEqual([
      ['private', 'switched'],
      ['private', 'switched'],
      ['private', 'switched'],
    ])
    expect(out.warnings.join('\n')).toMatch(/app-1, app-2, app-3 are in another account than the database's \(lb\) and cannot reach a private endpoint/)
    const modify = rig.proxy.requests({action: 'ModifyDBInstance'})
    expect(modify).toHaveLength(1)
    for (const host of rig.apps.hosts) {
      expect(await mtimeOf(host)).toBeLessThan(modify[0]!.startedAt)
      const log = await host.restarts()
      expect(log).toHaveLength(2)
      expect(log[1]!.at).toBeLessThanOrEqual(modify[0]!.startedAt)
      expect(log[1]!.line).toContain('PrivPw-5ecret')
    }
    const revoke = rig.proxy.requests({action: 'RevokeSecurityGroupIngress'})
    expect(revoke).toHaveLength(1)
    const applied = rig.proxy.requests({action: 'DescribeDBInstances'}).filter((r) => r.startedAt > modify[0]!.startedAt && r.rewritten === undefined)[0]!
    expect(revoke[0]!.startedAt).toBeGreaterThanOrEqual(applied.endedAt!)
    expect(await fleetRules()).toEqual([])
    // off(on(f)) == f
    expect(await envs()).toEqual(originals)
    const st = await stat(join(rig.apps.hosts[2]!.dir, '.env'))
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o640, 1234, 1234])
  })

  it('no password reached stdout or stderr of any run', () => {
    expect(outputs.length).toBeGreaterThan(5)
    for (const run of outputs) for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret)
  })
})
