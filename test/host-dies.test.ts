/**
 * A host that dies mid-run (spec sections 5-7): its sshd and its open
 * sessions are killed, as when an instance crashes, while fleet waits on
 * it. fleet must still finish: the host is named (exit 3), the others are
 * done, `up` goes on with its upstream sync, one JSON document is printed,
 * the locks are released, and a re-run converges once the host is back.
 * Before, a wait in the SSH layer for an event the dead connection never
 * sent (dispose() waiting for a 'close' already past, behind a timer that
 * did not keep the process alive) left Node with nothing to do and an
 * await unsettled: exit 13, no output, the locks and markers left. Each test makes the remote command block on something the
 * test controls, waits for that, then kills the host: no timing is assumed.
 *
 * A run that dies mid-edit takes about 10 s: fleet retries SSH for 10 s to
 * put the host's files back before it gives up on a host that is gone.
 */
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {StopInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'

import {accountEc2, type FleetRun, runFleet, type RunningFleet, startFleet} from './harness/moto.ts'
import type {Nginx} from './harness/nginx.ts'
import type {Sshd} from './harness/sshd.ts'
import {type StoryRig, startStoryRig, storyEnv} from './harness/story-rig.ts'

const run = promisify(execFile)

let rig: StoryRig

// The story rig on 127.0.0.170-173, every instance running.
beforeAll(async () => {
  rig = await startStoryRig({base: 170, state: 'running', name: 'host-dies'})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

const sshds = () => [rig.lbSshd, ...rig.apps.hosts.map((h) => h.sshd)]

// Every host starts a test alive, on the private URL, with nothing left from an earlier run.
beforeEach(async () => {
  for (const host of rig.apps.hosts) {
    await host.reset()
    for (const name of ['hold', 'restarting']) await rm(join(host.dir, name), {force: true})
    await host.setEnv(storyEnv(rig.addresses.lb))
  }
})

// A test that failed half-way must not leave a host down for the next.
afterEach(async () => {
  for (const sshd of sshds()) if (sshd.pid() === undefined) await sshd.start()
})

/** Every process descending from `pid` (an sshd listener's sessions and what they run). */
async function descendants(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>()
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const line = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => null)
    if (!line) continue
    // `pid (comm) state ppid ...`: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(line.slice(line.lastIndexOf(')') + 2).split(' ')[1])
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
  }
  const found: number[] = []
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child)
      walk(child)
    }
  }
  walk(pid)
  return found
}

/**
 * The host dies: its sessions are listed, its listening sshd stopped (so
 * fleet cannot reconnect meanwhile), then every session and what it runs
 * is SIGKILLed.
 */
async function killHost(sshd: Sshd): Promise<void> {
  const sessions = await descendants(sshd.pid()!)
  expect(sessions.length, 'the host has open sessions').toBeGreaterThan(0)
  await sshd.stop()
  for (const pid of sessions) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // ended already
    }
  }
}

/** Polls `check` until it holds; fails at once when the fleet run ends first. */
async function during(fleet: RunningFleet, check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  let ended = false
  fleet.done.then(() => (ended = true), () => (ended = true))
  await vi.waitUntil(async () => {
    if (ended) throw new Error(`fleet ended before ${what}\nstdout:\n${fleet.stdout()}\nstderr:\n${fleet.stderr()}`)
    return check()
  }, {timeout: 30_000, interval: 25})
}

/** The locks left under $FLEET_HOME/locks. */
const locksLeft = () => readdir(join(rig.env.FLEET_HOME, 'locks')).catch(() => [])

/** stdout is one JSON document and nothing else. */
function oneDocument(out: FleetRun): any {
  expect(out.stdout.trim(), out.stderr).toMatch(/^\{[\s\S]*\}$/)
  return JSON.parse(out.stdout)
}

type Server = {account: string; ok: boolean; outcome: string; restarted: boolean; pending: boolean; warnings: string[]; error: {code: string; message: string} | null}

/** `apps.restart` that, on a host whose folder holds `hold`, says so (`restarting`) and waits until killed. */
const holdingRestart = () => `if [ -e ${rig.apps.appDir}/hold ]; then touch ${rig.apps.appDir}/restarting; sleep 60; fi; ${rig.apps.restart}`

const rdsProfile = (name: string, restart = rig.apps.restart) => rig.writeProfile({apps: {port: rig.backends.servers[0]!.port, restart}}, name)

const rdsPublicOn = (profile: string) => ['rds-public', 'on', '--profile', profile, '--arch', '6', '--json']

/** The re-run, with the host back, converges: every server on the public URL, no marker left. */
async function rdsConverges(profile: string): Promise<Server[]> {
  const again = await runFleet(rdsPublicOn(profile), {env: rig.env})
  expect(again.exitCode, again.stdout + again.stderr).toBe(0)
  const servers = oneDocument(again).servers as Server[]
  expect(servers.map((s) => [s.account, s.ok])).toEqual([['app-1', true], ['app-2', true], ['app-3', true]])
  for (const host of rig.apps.hosts) {
    expect((await host.env())!.toString()).toMatch(/^DB_URL=jdbc:mysql:\/\/parking-db\..*:3306\/parking$/m)
    expect(existsSync(join(host.dir, '.env.fleet-pending'))).toBe(false)
  }
  return servers
}

describe('an app host dies', () => {
  // About 11 s: the failing run's 10 s of reconnecting to put the .env back, then a re-run.
  it('mid-restart during rds-public on: exit 3, one JSON document naming it, the others done, no lock left; the re-run converges', {timeout: 90_000}, async () => {
    const profile = await rdsProfile('mid-restart', holdingRestart())
    const dying = rig.apps.hosts[1]!
    await writeFile(join(dying.dir, 'hold'), '')
    const fleet = startFleet(rdsPublicOn(profile), {env: rig.env})
    await during(fleet, () => existsSync(join(dying.dir, 'restarting')), 'app-2 began its restart')
    await killHost(dying.sshd)
    const out = await fleet.done
    expect(out.exitCode, out.stderr).toBe(3)
    const [s1, s2, s3] = oneDocument(out).servers as Server[]
    expect(s1).toMatchObject({account: 'app-1', ok: true, outcome: 'switched', restarted: true})
    expect(s3).toMatchObject({account: 'app-3', ok: true, outcome: 'switched', restarted: true})
    expect(s2).toMatchObject({account: 'app-2', ok: false})
    expect(s2!.error!.message).toMatch(/The SSH connection to app-2 \(.*\) was lost/)
    // The new .env could not be put back: the marker says the app may not run on it.
    expect(existsSync(join(dying.dir, '.env.fleet-pending'))).toBe(true)
    expect(await locksLeft()).toEqual([])

    await rm(join(dying.dir, 'hold'))
    await dying.sshd.start()
    const servers = await rdsConverges(profile)
    // The marker the dead run left says the app may run on the old .env: it is restarted now.
    expect(servers[1]).toMatchObject({pending: true, restarted: true})
  })

  // About 11 s: the failing run's 10 s of reconnecting to put the files back, then a re-run.
  it('mid-write of its .env (the backup taken, the pending marker being written): exit 3, the .env whole; the re-run converges through the marker', {timeout: 90_000}, async () => {
    const profile = await rdsProfile('mid-write')
    const dying = rig.apps.hosts[1]!
    const original = await dying.env()
    // The marker as a FIFO: writing it blocks (in open) until someone reads, which nobody does.
    const marker = join(dying.dir, '.env.fleet-pending')
    await run('mkfifo', [marker])
    const fleet = startFleet(rdsPublicOn(profile), {env: rig.env})
    await during(fleet, () => blockedOnFifo(dying.sshd), 'fleet began writing app-2\'s pending marker')
    await killHost(dying.sshd)
    const out = await fleet.done
    expect(out.exitCode, out.stderr).toBe(3)
    const [s1, s2, s3] = oneDocument(out).servers as Server[]
    expect([s1!.ok, s3!.ok]).toEqual([true, true])
    expect(s2).toMatchObject({account: 'app-2', ok: false, restarted: false})
    expect(s2!.error!.message).toMatch(/The SSH connection to app-2 \(.*\) was lost/)
    expect(await dying.env()).toEqual(original)
    expect(await readFile(join(dying.dir, '.env.fleet-backup'))).toEqual(original)
    expect(await locksLeft()).toEqual([])

    await removeUploadsOf(rig.apps.envFile)
    // On a real disk, a write cut short there leaves the marker empty (the shell's `>` truncates first).
    await rm(marker)
    await writeFile(marker, '')
    await dying.sshd.start()
    const servers = await rdsConverges(profile)
    expect(servers[1]).toMatchObject({pending: true, restarted: true, outcome: 'switched'})
  })

  // About 13 s: the LB's start, the failing RDS step's 10 s of reconnecting, then a re-run.
  it('mid-restart in up\'s RDS step: up goes on with the sync (nginx serves), the chores and the hook; exit 3, one JSON document, no lock left', {timeout: 90_000}, async () => {
    const ipLog = join(rig.dir, 'lb-ip.log')
    const profile = await rig.writeProfile({
      apps: {port: rig.backends.servers[0]!.port, restart: holdingRestart(), health: '/actuator/health'},
      architectures: {'7': {lb: {instanceType: 't2.micro'}, apps: ['app-1', 'app-2', 'app-3'], rdsPublic: true}},
      onLbIpChange: `echo {ip} >> ${ipLog}`,
    }, 'up')
    // The LB stopped: up starts it, so its start chore (nginx.start) and the hook are due.
    const ec2 = await accountEc2(rig.moto, rig.ids.lb)
    await ec2.send(new StopInstancesCommand({InstanceIds: [rig.instanceIds.lb]}))
    ec2.destroy()
    await rig.clearRecorded()
    const dying = rig.apps.hosts[1]!
    await writeFile(join(dying.dir, 'hold'), '')
    const env = {...rig.env, FLEET_WAIT_MIN_DELAY: '0.05', FLEET_WAIT_MAX_DELAY: '0.2'}
    const fleet = startFleet(['up', '--arch', '7', '--yes', '--profile', profile, '--json'], {env, timeoutMs: 90_000})
    await during(fleet, () => existsSync(join(dying.dir, 'restarting')), 'app-2 began its restart')
    await killHost(dying.sshd)
    const out = await fleet.done
    expect(out.exitCode, out.stderr).toBe(3)
    const result = oneDocument(out)
    expect(result.results.every((r: {ok: boolean}) => r.ok)).toBe(true)
    expect(result.chores).toMatchObject([{account: 'lb', ok: true}])
    expect(await rig.recorded()).toEqual([`${rig.addresses.lb} nginx-start`])
    const [s1, s2, s3] = result.rds.servers as Server[]
    expect([s1!.ok, s3!.ok]).toEqual([true, true])
    expect(s2).toMatchObject({account: 'app-2', ok: false})
    expect(s2!.error!.message).toMatch(/The SSH connection to app-2 \(.*\) was lost/)
    const port = rig.backends.servers[0]!.port
    expect(result.sync).toMatchObject({error: null, reloaded: true})
    expect(result.upstream.servers).toEqual(rig.addresses.apps.map((ip) => `${ip}:${port}`))
    expect((await fetch(`${rig.nginx.url}/parking/1`)).status).toBe(200)
    expect(result.lbIpHook).toMatchObject({ok: true})
    expect((await readFile(ipLog, 'utf8')).trim()).toBe(result.lbPublicIp)
    expect(await locksLeft()).toEqual([])

    await rm(join(dying.dir, 'hold'))
    await dying.sshd.start()
    const again = await runFleet(['up', '--arch', '7', '--yes', '--profile', profile, '--json'], {env})
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect(oneDocument(again).rds.servers[1]).toMatchObject({account: 'app-2', ok: true, pending: true, restarted: true})
  })
})

describe('a followed host dies', () => {
  it('mid-logs --follow: its stream ends with the host named (exit 3), without a Ctrl-C', {timeout: 60_000}, async () => {
    const following = join(rig.apps.appDir, 'following')
    const profile = await rig.writeProfile({apps: {port: rig.backends.servers[0]!.port, logs: `echo following {follow}; touch ${following}; sleep 60`}}, 'logs')
    const dying = rig.apps.hosts[1]!
    await rm(join(dying.dir, 'following'), {force: true})
    // --follow never ends by itself, so it takes no --json: the human run says it.
    const fleet = startFleet(['logs', 'app-2', '--follow', '--profile', profile], {env: rig.env})
    await during(fleet, () => existsSync(join(dying.dir, 'following')), 'app-2 began to follow its logs')
    await killHost(dying.sshd)
    const out = await fleet.done
    expect(out.exitCode, out.stderr).toBe(3)
    expect(out.stdout).toContain('app-2 | following -f')
    expect(out.stderr).toMatch(/The SSH connection to app-2 \(.*\) was lost/)
  })
})

describe('the LB host dies', () => {
  // About 20 s: the failing run's 10 s of reconnecting, a re-run, and nginx's reload.
  it('mid-nginx -t during upstream sync: exit 3, one JSON document naming it, nginx\'s files whole and not reloaded; the re-run converges', {timeout: 90_000}, async () => {
    const nginx = await rig.startNginx()
    const testing = join(rig.dir, 'nginx-testing')
    const upstreamFile = join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
    // nginx.test blocks only once fleet has written the files: the check before writing passes as usual.
    const holding = `if [ -e ${upstreamFile} ]; then touch ${testing}; sleep 60; fi; ${nginx.commands.test}`
    const sections = (test: string) => ({nginx: {...rig.nginxSection(nginx), test}, apps: {port: rig.backends.servers[0]!.port}, rds: null})
    const dyingProfile = await rig.writeProfile(sections(holding), 'lb-dies')
    const good = await rig.writeProfile(sections(nginx.commands.test), 'lb-back')
    const sync = (profile: string) => ['upstream', 'sync', '--profile', profile, '--arch', '6', '--json']
    const before = await nginxFiles(nginx)

    const fleet = startFleet(sync(dyingProfile), {env: rig.env})
    await during(fleet, () => existsSync(testing), 'nginx.test began on the new files')
    await killHost(rig.lbSshd)
    const out = await fleet.done
    expect(out.exitCode, out.stderr).toBe(3)
    const result = oneDocument(out)
    expect(result).toMatchObject({reloaded: false})
    expect(result.error.message).toMatch(/The SSH connection to lb \(.*\) was lost/)
    const cut = await nginxFiles(nginx)
    expect(existsSync(`${nginx.confPath}.fleet-pending`)).toBe(true)
    expect(await reached(nginx)).toBe(1)
    expect(await locksLeft()).toEqual([])

    await rig.lbSshd.start()
    const again = await runFleet(sync(good), {env: rig.env})
    expect(again.exitCode, again.stdout + again.stderr).toBe(0)
    expect(oneDocument(again)).toMatchObject({reloaded: true, error: null})
    expect(existsSync(`${nginx.confPath}.fleet-pending`)).toBe(false)
    const after = await nginxFiles(nginx)
    // Whole: each file as it was before, or as the converged run has it; never cut in between.
    for (const name of ['nginx.conf', 'conf.d/fleet-upstream.conf']) expect([before[name], after[name]]).toContainEqual(cut[name])
    await vi.waitUntil(async () => (await reached(nginx)) === 3, {timeout: 20_000, interval: 100})
  })
})

/** True when a process of one of the host's sessions waits in open() for a FIFO's other end. */
async function blockedOnFifo(sshd: Sshd): Promise<boolean> {
  for (const pid of await descendants(sshd.pid()!)) {
    if ((await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => '')) === 'wait_for_partner') return true
  }
  return false
}

/** The upload temp files a killed write left in /tmp (its trap never ran): those of a pending marker naming `envFile`. */
async function removeUploadsOf(envFile: string): Promise<void> {
  for (const name of await readdir('/tmp')) {
    if (!name.startsWith('fleet-write.')) continue
    const text = await readFile(join('/tmp', name), 'utf8').catch(() => '')
    if (text.includes(JSON.stringify(envFile))) await rm(join('/tmp', name), {force: true})
  }
}

/** nginx's config and upstream file by path under its prefix (undefined when missing). */
async function nginxFiles(nginx: Nginx): Promise<Record<string, string | undefined>> {
  const read = (name: string) => readFile(join(nginx.prefix, name), 'utf8').catch(() => undefined)
  return {'nginx.conf': await read('nginx.conf'), 'conf.d/fleet-upstream.conf': await read('conf.d/fleet-upstream.conf')}
}

/** How many backends a few requests through `nginx` reach. */
async function reached(nginx: Nginx, n = 6): Promise<number> {
  rig.backends.clear()
  for (let i = 0; i < n; i++) await (await fetch(`${nginx.url}/x/${i}`)).text()
  return rig.backends.servers.filter((b) => b.requests.length > 0).length
}
