/**
 * `fleet upstream sync` / `show` end to end with real peers, on the story
 * rig: moto (behind the slow-AWS proxy) holds the instances, running, at
 * private IPs bound on lo; the LB is a real sshd; a real nginx proxies to
 * three real HTTP backends at distinct loopback addresses (the app servers,
 * each also a real sshd host). nginx.address is `private`, so nothing is
 * ever sent to moto's made-up public IPs.
 */
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeSecurityGroupRulesCommand, StopInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {accountEc2, runFleet, startFleet} from './harness/moto.ts'
import {type Nginx, reloadDone, storyNginxConfig} from './harness/nginx.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'
import {fileWrittenDuring, signalsTaken} from './harness/waits.ts'

const APPS = ['app-1', 'app-2', 'app-3'] as const

let rig: StoryRig

// The rig's set-up (moto, the proxy, four sshd hosts, backends, nginx, seeding) takes about 4 s; 120 s for a loaded machine.
beforeAll(async () => {
  rig = await startStoryRig({base: 10, state: 'running', dbs: [], name: 'upstream-sync'})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

const port = () => rig.backends.servers[0]!.port
const appIps = () => rig.addresses.apps

/** A profile for this nginx; `nginxOverrides` replaces keys of the nginx section, `accounts` entries of the accounts. */
async function profileFor(nginx: Nginx, nginxOverrides: object = {}, accounts: object = {}): Promise<string> {
  return rig.writeProfile({
    accounts: {lb: rig.account('lb'), ...Object.fromEntries(APPS.map((a) => [a, rig.account(a)])), ...accounts},
    nginx: {...rig.nginxSection(nginx), ...nginxOverrides},
    apps: {port: port(), health: '/actuator/health'},
    architectures: {
      '6': {apps: ['app-1', 'app-2', 'app-3'], nginx: {workerProcesses: 2, workerConnections: 2048, keepalive: 16}},
      '3': {apps: ['app-1', 'app-2']},
    },
    rds: null,
    autoStop: null,
  }, `sync-${Math.random().toString(36).slice(2, 8)}`)
}

async function get(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/parking/${i}`, {headers: {'x-test': 'fleet'}})
    expect(res.status).toBe(200)
    await res.text()
  }
}

/** A nginx of its own on the story's config with one live server (app-1's), stopped after `use`. */
async function withStoryNginx(use: (nginx: Nginx) => Promise<void>): Promise<void> {
  const nginx = await rig.startNginx()
  try {
    await use(nginx)
  } finally {
    await nginx.stop()
  }
}

const upstreamFileOf = (nginx: Nginx) => join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
const exists = (path: string) => stat(path).then(() => true, () => false)

describe('fleet upstream sync, on a real nginx', () => {
  let nginx: Nginx
  let file: string
  let original: string

  beforeAll(async () => {
    // The story's config, but with two live servers (app-1 and app-2) before fleet first changes it.
    nginx = await rig.startNginx()
    await nginx.write('nginx.conf', storyNginxConfig(appIps().slice(0, 2).map((ip) => `${ip}:${port()}`)))
    await nginx.reload()
    file = await profileFor(nginx)
    original = await readFile(nginx.confPath, 'utf8')
  })
  afterAll(async () => nginx?.stop())

  it('--dry-run prints the diff and changes nothing', async () => {
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--dry-run', '--json'], {env: rig.env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({changed: true, reloaded: false, rolledBack: false})
    expect(out.diff).toContain(`include ${upstreamFileOf(nginx)};`)
    expect(out.diff).toContain('-    upstream honorsParkingBackend {')
    expect(await readFile(nginx.confPath, 'utf8')).toBe(original)
    expect(await exists(upstreamFileOf(nginx))).toBe(false)
  })

  it('syncs to the running apps with keep-alive, leaving the rest of the config byte for byte', async () => {
    rig.backends.clear()
    await get(nginx.url, 4)
    const before = rig.backends.all()[0]!.headers
    const workers = await nginx.workers()

    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const servers = appIps().map((ip) => `${ip}:${port()}`)
    expect(out).toMatchObject({servers, changed: true, reloaded: true, rolledBack: false, error: null})
    expect(out.health.map((h: {ok: boolean}) => h.ok)).toEqual([true, true, true])

    const upstream = await readFile(upstreamFileOf(nginx), 'utf8')
    for (const s of servers) expect(upstream).toContain(`server ${s};`)
    expect(upstream).toMatch(/keepalive 16;/)
    expect(upstream).toMatch(/keepalive_timeout 15s;/)

    // Outside fleet's marked lines and the moved upstream block, every byte is the original's.
    const now = await readFile(nginx.confPath, 'utf8')
    const withoutFleet = now.split('\n').filter((l) => !l.endsWith('# fleet') && !l.includes(`include ${upstreamFileOf(nginx)};`))
    const withoutUpstream = original.replace(/ {4}upstream honorsParkingBackend \{\n(.*\n)*? {4}\}\n/, '').split('\n')
    expect(withoutFleet.filter((l) => !/^(worker_processes|\s*worker_connections)/.test(l))).toEqual(
      withoutUpstream.filter((l) => !/^(worker_processes|\s*worker_connections)/.test(l)),
    )
    expect(now).toMatch(/^worker_processes 2;/m)
    expect(now).toMatch(/worker_connections 2048;/)

    // Every backend is reached, over reused connections, with the same headers but Connection.
    await reloadDone(nginx, workers)
    rig.backends.clear()
    await get(nginx.url, 30)
    for (const b of rig.backends.servers) expect(b.requests.length, b.server).toBeGreaterThan(0)
    const connections = rig.backends.servers.reduce((n, b) => n + b.connections(), 0)
    expect(connections).toBeLessThan(30)
    const after = rig.backends.all()[0]!.headers
    const strip = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'connection'))
    expect(strip(after)).toEqual(strip(before))
    expect(before.connection).toBe('close')
    expect(after.connection).toBeUndefined()
  })

  it('a second sync with nothing new changes nothing and does not reload', async () => {
    const workers = await nginx.workers()
    const config = await readFile(nginx.confPath)
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({changed: false, reloaded: false, diff: ''})
    expect(await nginx.workers()).toEqual(workers)
    expect(await readFile(nginx.confPath)).toEqual(config)
  })

  it('opens each app security group to the LB address, marked for the profile', async () => {
    const ec2 = await accountEc2(rig.moto, rig.ids['app-1'])
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? []
    ec2.destroy()
    const ours = rules.filter((r) => r.Description?.startsWith('fleet:sync-'))
    expect(ours.map((r) => [r.CidrIpv4, r.FromPort, r.ToPort])).toEqual([[`${rig.addresses.lb}/32`, port(), port()]])
  })

  it('upstream show compares the host with the architecture', async () => {
    const inSync = await runFleet(['upstream', 'show', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
    expect(inSync.exitCode, inSync.stderr).toBe(0)
    expect(JSON.parse(inSync.stdout)).toMatchObject({inSync: true, source: 'upstreamFile', missing: [], stale: []})
    const three = await runFleet(['upstream', 'show', '--profile', file, '--arch', '3'], {env: rig.env})
    expect(three.stdout).toContain('OUT OF SYNC')
    expect(three.stdout).toContain(`- stale   ${appIps()[2]}:${port()}`)
  })

  it('going to an architecture without keep-alive puts the values fleet found back', async () => {
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '3', '--json'], {env: rig.env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const now = await readFile(nginx.confPath, 'utf8')
    expect(now.split('\n').filter((l) => l.endsWith('# fleet'))).toEqual([])
    expect(now).toMatch(/^worker_processes 1;/m)
    expect(now).toMatch(/worker_connections 1024;/)
    const upstream = await readFile(upstreamFileOf(nginx), 'utf8')
    expect(upstream).not.toContain('keepalive')
    expect(upstream).not.toContain(appIps()[2])
  })
})

describe('fleet doctor, on the hosts', () => {
  it('checks SSH, nginx on the LB and the app tools on the app servers', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await rig.writeProfile({
        accounts: {lb: rig.account('lb'), 'app-1': rig.account('app-1')},
        nginx: rig.nginxSection(nginx),
        apps: {restart: 'no-such-compose-tool up -d'},
        architectures: null,
        rds: null,
        autoStop: null,
      }, 'doctor-hosts')
      const run = await runFleet(['doctor', '--profile', file, '--json'], {env: rig.env})
      expect(run.exitCode, run.stderr).toBe(3)
      const [lb, app] = JSON.parse(run.stdout).accounts
      const check = (a: {checks: Array<{name: string}>}, name: string) => a.checks.find((c) => c.name === name)
      expect(check(lb, 'ssh')).toMatchObject({ok: true, detail: `${rig.lbSshd.user}@${rig.lbSshd.host}:${rig.lbSshd.port}`})
      expect(check(lb, 'nginx')).toMatchObject({ok: true})
      expect(check(app, 'ssh')).toMatchObject({ok: true})
      expect(check(app, 'app-tools')).toMatchObject({ok: false, detail: 'no-such-compose-tool not found on the host'})
    })
  })
})

describe('fleet upstream sync, when nginx says no', () => {
  it('restores the files and does not reload when nginx -t fails', async () => {
    await withStoryNginx(async (nginx) => {
      // nginx would look for the upstream file where it is not: the new config fails nginx -t.
      const file = await profileFor(nginx, {upstreamInclude: '/nonexistent/fleet-upstream.conf'})
      const before = await readFile(nginx.confPath)
      const workers = await nginx.workers()
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      expect(run.exitCode).toBe(3)
      const out = JSON.parse(run.stdout)
      expect(out).toMatchObject({rolledBack: true, reloaded: false, error: {code: 'NginxTestFailed'}})
      expect(out.error.message).toContain('/nonexistent/fleet-upstream.conf')
      expect(await readFile(nginx.confPath)).toEqual(before)
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
      expect(await nginx.workers()).toEqual(workers)
      rig.backends.clear()
      await get(nginx.url, 2)
      expect(rig.backends.servers[0]!.requests.length).toBe(2)
    })
  })

  it('restores and reloads the old files when the dump does not show the new upstream', async () => {
    await withStoryNginx(async (nginx) => {
      // A dump that keeps showing the old config, as a container that sees another file would.
      const stale = join(nginx.prefix, 'stale.conf')
      await nginx.write('stale.conf', await readFile(nginx.confPath, 'utf8'))
      const file = await profileFor(nginx, {dump: `cat ${stale}`})
      const before = await readFile(nginx.confPath)
      const workers = await nginx.workers()
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout)).toMatchObject({rolledBack: true, reloaded: true, error: {code: 'NginxNotApplied'}})
      expect(await readFile(nginx.confPath)).toEqual(before)
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
      // Two reloads (the new files, then the old ones again): nginx answers from the last.
      await reloadDone(nginx, workers)
      rig.backends.clear()
      await get(nginx.url, 2)
      expect(rig.backends.servers[0]!.requests.length).toBe(2)
    })
  })

  it('Ctrl-C during the change lets it finish, then exits 130 with nginx consistent', async () => {
    await withStoryNginx(async (nginx) => {
      // nginx -t on the new files holds until fleet has taken the Ctrl-C: it arrives while the new files are on disk but not loaded yet.
      const marker = join(nginx.prefix, 'testing')
      const release = join(nginx.prefix, 'release')
      const hold = `touch ${marker}; i=0; while [ ! -e ${release} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`
      const file = await profileFor(nginx, {test: `if [ -e ${upstreamFileOf(nginx)} ]; then ${hold}; fi; ${nginx.commands.test}`})
      const workers = await nginx.workers()
      const run = startFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      await fileWrittenDuring(run, marker)
      run.kill('SIGINT')
      await signalsTaken(run.pid)
      await writeFile(release, '')
      const {exitCode, stdout} = await run.done
      expect(exitCode, stdout).toBe(130)
      expect(JSON.parse(stdout).error).toMatchObject({code: 'Interrupted', message: expect.stringContaining('The new upstream is live; the health check was skipped.')})
      // The change went through test, reload and confirmation: what is on disk is what nginx runs.
      expect(await readFile(upstreamFileOf(nginx), 'utf8')).toContain(`server ${appIps()[2]}:${port()};`)
      expect(await nginx.dump()).toContain(`server ${appIps()[2]}:${port()};`)
      await reloadDone(nginx, workers)
      rig.backends.clear()
      await get(nginx.url, 6)
      expect(rig.backends.servers.every((b) => b.requests.length > 0)).toBe(true)
    })
  })

  it('names an nginx.config that does not exist (exit 3)', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx, {config: '/nonexistent/nginx.conf'})
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6'], {env: rig.env})
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toContain('nginx.config /nonexistent/nginx.conf does not exist on lb')
    })
  })

  it('says the LB is unreachable, naming the address, and changes nothing', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx, {}, {lb: rig.account('lb', {ssh: {...rig.account('lb').ssh!, port: 1}})})
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout).error.code).toBe('SshUnreachable')
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
    })
  })

  it('never writes an empty upstream: with every app stopped it refuses (exit 3)', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx)
      for (const app of APPS) {
        const ec2 = await accountEc2(rig.moto, rig.ids[app])
        await ec2.send(new StopInstancesCommand({InstanceIds: [rig.instanceIds[app]]}))
        ec2.destroy()
      }
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout).error.code).toBe('NoRunningApps')
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
    })
  })
})
