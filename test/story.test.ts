/**
 * The whole story, end to end, against the real peers (the story rig:
 * moto behind the slow-AWS proxy with four accounts, real sshd hosts, a real
 * nginx and three backends, a real keyring): init → login → doctor →
 * up --arch 2 → up --arch 6 --ttl 2h → rds-public on → logs → cost →
 * rds-public off → down. After every step: the AWS state, the files on the
 * hosts and the outputs (human and --json); at the end, that nothing but
 * the RDS instance itself is left costing money.
 */
import {readFile, writeFile} from 'node:fs/promises'

import {DescribeInstancesCommand} from '@aws-sdk/client-ec2'
import {DescribeDBInstancesCommand, RDSClient} from '@aws-sdk/client-rds'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type FleetRun, HUB_CREDENTIALS, runFleet} from './harness/moto.ts'
import {accountEc2, roleCredentials} from './harness/seed.ts'
import {STORY_ACCOUNTS, type StoryRig, startStoryRig} from './harness/story-rig.ts'

let rig: StoryRig
const MUTATING = /^(Start|Stop|Modify|Create|Delete|Authorize|Revoke)/

beforeAll(async () => {
  rig = await startStoryRig({hub: 'keychain', name: `story-${Math.random().toString(36).slice(2, 8)}`})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

const fleet = (args: string[], input?: string): Promise<FleetRun> => runFleet([...args, '--profile', rig.name], {env: rig.env, input, timeoutMs: 120_000})

async function instances(): Promise<Record<string, {state: string; type: string; tags: Record<string, string>}>> {
  const out: Record<string, {state: string; type: string; tags: Record<string, string>}> = {}
  for (const a of STORY_ACCOUNTS) {
    const ec2 = await accountEc2(rig.moto, rig.ids[a])
    const i = (await ec2.send(new DescribeInstancesCommand({InstanceIds: [rig.instanceIds[a]]}))).Reservations![0]!.Instances![0]!
    ec2.destroy()
    out[a] = {state: i.State!.Name!, type: i.InstanceType!, tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!]))}
  }
  return out
}

async function dbPublic(): Promise<boolean> {
  const rds = new RDSClient({endpoint: rig.moto.endpoint, region: 'ap-northeast-2', credentials: await roleCredentials(rig.moto, rig.ids.lb, {region: 'ap-northeast-2'})})
  const db = (await rds.send(new DescribeDBInstancesCommand({DBInstanceIdentifier: 'parking-db'}))).DBInstances![0]!
  rds.destroy()
  return db.PubliclyAccessible ?? false
}

/** Requests through nginx: which backends they reached. */
async function reached(n = 30): Promise<number[]> {
  rig.backends.clear()
  for (let i = 0; i < n; i++) await (await fetch(`${rig.nginx.url}/parking/${i}`)).text()
  return rig.backends.servers.map((b) => b.requests.length)
}

const envLine = async (i: number) => ((await rig.apps.hosts[i]!.env())?.toString('utf8') ?? '').split('\n').find((l) => l.startsWith('DB_URL='))

// Steps 4, 5 and 10 take 3-6 s: they start, resize or stop instances through
// the slow-AWS proxy (300 ms a transition, then status checks) and wait for them.
describe('the story, end to end', {timeout: 120_000}, () => {
  it('1. init writes a starter; the user replaces it with the story fleet', async () => {
    const run = await fleet(['init'].concat([]), undefined)
    expect(run.exitCode, run.stderr).toBe(0)
    expect(await readFile(rig.profile, 'utf8')).toContain('accounts:')
    await writeFile(rig.profile, rig.profileText)
  })

  it('2. login stores the hub key in the keychain, never printing it', async () => {
    const run = await fleet(['login', '--stdin', '--json'], `${HUB_CREDENTIALS.accessKeyId}\n${HUB_CREDENTIALS.secretAccessKey}\n`)
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({stored: true})
    expect(run.stdout + run.stderr).not.toContain(HUB_CREDENTIALS.secretAccessKey)
  })

  it('3. doctor: every role, identity and instance found; the DB can be made public', async () => {
    const run = await fleet(['doctor', '--json'])
    expect(run.exitCode, run.stdout).toBe(0)
    const accounts = JSON.parse(run.stdout).accounts as Array<{name: string; checks: Array<{name: string; ok: boolean | null}>}>
    for (const a of accounts) for (const c of ['role', 'identity', 'instance']) expect(a.checks.find((x) => x.name === c)?.ok, `${a.name} ${c}`).toBe(true)
    expect(accounts[0]!.checks.find((c) => c.name === 'rds-public-access')?.ok).toBe(true)
  })

  it('4. up --arch 2: the LB and app-1 run, nginx sends to app-1, public access on', async () => {
    const run = await fleet(['up', '--arch', '2', '--yes'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('Plan for architecture 2:')
    expect(run.stdout).toMatch(/Load balancer: \d+\.\d+\.\d+\.\d+/)
    const now = await instances()
    expect([now.lb!.state, now['app-1']!.state, now['app-2']!.state, now['app-3']!.state]).toEqual(['running', 'running', 'stopped', 'stopped'])
    expect(await reached(6)).toEqual([6, 0, 0])
    expect(await dbPublic()).toBe(true)
    expect(await envLine(0)).toMatch(/^DB_URL=jdbc:mysql:\/\/parking-db\..*:3306\/parking$/)
  })

  it('5. up --arch 6 --ttl 2h: the LB resized to t2.medium, three apps behind nginx with keep-alive, each instance set to stop itself', async () => {
    const run = await fleet(['up', '--arch', '6', '--yes', '--allow-paid', '--ttl', '2h', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.plan.map((c: {account: string; action: string}) => `${c.account}:${c.action}`)).toEqual(['lb:resize', 'app-1:none', 'app-2:start', 'app-3:start'])
    expect(out.upstream.servers).toEqual(rig.addresses.apps.map((ip) => `${ip}:${rig.backends.servers[0]!.port}`))
    const now = await instances()
    expect(now.lb).toMatchObject({state: 'running', type: 't2.medium'})
    for (const a of STORY_ACCOUNTS) expect(now[a]!.tags['fleet:auto-stop-at'], a).toMatch(/^\d{4}-\d\d-\d\dT/)
    const hits = await reached(30)
    expect(hits.every((n) => n > 0)).toBe(true)
    expect(rig.backends.servers.reduce((c, b) => c + b.connections(), 0)).toBeLessThan(30)
    const recorded = await rig.recorded()
    expect(recorded.filter((l) => l.endsWith('schedule 120')).length).toBe(4)
    expect(out.warnings).toContain('--ttl stops the instances only: the RDS instance keeps running (and costing) until you stop it.')
  })

  it('6. rds-public on: converged (architecture 6 already turned it on), read calls only', async () => {
    rig.proxy.clear()
    const run = await fleet(['rds-public', 'on', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({publiclyAccessible: true, converged: true})
    expect(rig.proxy.requests().filter((r) => MUTATING.test(r.action ?? '')).map((r) => r.action)).toEqual([])
    for (const i of [0, 1, 2]) expect(await envLine(i)).toMatch(/parking-db\./)
  })

  it('7. logs: one stream, every app server prefixed', async () => {
    const run = await fleet(['logs', '--since', '1m'])
    expect(run.exitCode, run.stderr).toBe(0)
    for (const [i, name] of ['app-1', 'app-2', 'app-3'].entries()) {
      expect(run.stdout).toMatch(new RegExp(`^${name} \\| parking-app on ${rig.addresses.apps[i]!.replaceAll('.', '\\.')}: Started ParkingApplication \\(since 1m\\)$`, 'm'))
    }
  })

  it('8. cost: each account by usage type (sample answers), one Cost Explorer request each', async () => {
    rig.proxy.clear()
    const run = await fleet(['cost', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.accounts.map((a: {name: string}) => a.name)).toEqual([...STORY_ACCOUNTS])
    expect(out.accounts[0].byUsageType.map((u: {group: string}) => u.group)).toEqual(expect.arrayContaining(['ec2-hours', 'public-ipv4', 'rds']))
    expect(out.ceRequests).toBe(4)
    expect(rig.proxy.count({action: 'GetCostAndUsage'})).toBe(4)
  })

  it('9. rds-public off: every app server on the private URL first, then the flag off', async () => {
    const run = await fleet(['rds-public', 'off'])
    expect(run.exitCode, run.stderr + run.stdout).toBe(0)
    expect(await dbPublic()).toBe(false)
    for (const i of [0, 1, 2]) expect(await envLine(i)).toBe(`DB_URL=jdbc:mysql://${rig.addresses.lb}:3306/parking`)
    expect(run.stdout + run.stderr).not.toContain('s3cret-parking')
  })

  it('10. down: everything stopped, and nothing left that costs money but the DB itself', async () => {
    const run = await fleet(['down', '--yes', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const now = await instances()
    for (const a of STORY_ACCOUNTS) expect(now[a]!.state, a).toBe('stopped')
    expect(out.stillCosting.map((c: {kind: string}) => c.kind)).toEqual(['rds-instance'])
    const status = await fleet(['status', '--json'])
    expect(JSON.parse(status.stdout).accounts.every((a: {instance: {state: string; autoStopAt: string | null}}) => a.instance.state === 'stopped' && a.instance.autoStopAt === null)).toBe(true)
  })
})
