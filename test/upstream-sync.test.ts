/**
 * `fleet upstream sync` / `show` end to end with real peers: moto holds the
 * instances (app servers at private IPs bound on lo), a real sshd is the LB
 * host, a real nginx proxies to three real HTTP backends at distinct
 * loopback addresses. nginx.address is `private`, so nothing is ever sent to
 * moto's made-up public IPs.
 */
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeInstancesCommand, DescribeSecurityGroupRulesCommand, StopInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Backends, startBackends} from './harness/backends.ts'
import {accountEc2, fleetEnv, type Moto, roleArn, runFleet, seedAccount, startFleet, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'
import {type Nginx, startNginx, storyNginxConfig} from './harness/nginx.ts'
import {type Sshd, startSshd} from './harness/sshd.ts'

const APP_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13']
const LB_IP = '127.0.0.10'

const storyConfig = storyNginxConfig

let moto: Moto
let sshd: Sshd
let backends: Backends
const ids = {lb: uniqueAccountId(), a1: uniqueAccountId(), a2: uniqueAccountId(), a3: uniqueAccountId()}
const appIds = [ids.a1, ids.a2, ids.a3]

beforeAll(async () => {
  moto = await startMoto()
  sshd = await startSshd()
  backends = await startBackends(APP_IPS)
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, privateIp: LB_IP}]})
  for (const [i, id] of appIds.entries()) await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'app'}, privateIp: APP_IPS[i]}]})
})

afterAll(async () => {
  await backends?.stop()
  await sshd?.dispose()
  await moto?.stop()
})

const port = () => backends.servers[0]!.port

/** A profile for this nginx; `nginxOverrides` replaces keys of the nginx section. */
async function profileFor(nginx: Nginx, nginxOverrides: object = {}): Promise<string> {
  const account = (id: string, tag: string, extra: object = {}) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ...extra})
  const upstreamFile = join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
  return writeProfile(nginx.prefix, {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {
      lb: account(ids.lb, 'lb', {ssh: {host: sshd.host, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile}}),
      'app-1': account(ids.a1, 'app'),
      'app-2': account(ids.a2, 'app'),
      'app-3': account(ids.a3, 'app'),
    },
    nginx: {on: 'lb', config: nginx.confPath, upstreamFile, upstream: 'honorsParkingBackend', ...nginx.commands, address: 'private', ...nginxOverrides},
    apps: {port: port(), health: '/actuator/health'},
    architectures: {
      '6': {apps: ['app-1', 'app-2', 'app-3'], nginx: {workerProcesses: 2, workerConnections: 2048, keepalive: 16}},
      '3': {apps: ['app-1', 'app-2']},
    },
  }, `sync-${Math.random().toString(36).slice(2, 8)}`)
}

async function get(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/parking/${i}`, {headers: {'x-test': 'fleet'}})
    expect(res.status).toBe(200)
    await res.text()
  }
}

/** A fresh nginx on the story's config with one live server, stopped after `use`. */
async function withStoryNginx(use: (nginx: Nginx) => Promise<void>): Promise<void> {
  const nginx = await startNginx({configText: storyConfig([`${APP_IPS[0]}:${port()}`])})
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
  let env: ReturnType<typeof fleetEnv>
  let original: string

  beforeAll(async () => {
    nginx = await startNginx({configText: storyConfig([`${APP_IPS[0]}:@BACKEND@`, `${APP_IPS[1]}:@BACKEND@`].map((s) => s.replace('@BACKEND@', String(port()))))})
    file = await profileFor(nginx)
    env = fleetEnv(moto)
    original = await readFile(nginx.confPath, 'utf8')
  })
  afterAll(async () => nginx?.stop())

  it('--dry-run prints the diff and changes nothing', async () => {
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--dry-run', '--json'], {env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out).toMatchObject({changed: true, reloaded: false, rolledBack: false})
    expect(out.diff).toContain(`include ${upstreamFileOf(nginx)};`)
    expect(out.diff).toContain('-    upstream honorsParkingBackend {')
    expect(await readFile(nginx.confPath, 'utf8')).toBe(original)
    expect(await exists(upstreamFileOf(nginx))).toBe(false)
  })

  it('syncs to the running apps with keep-alive, leaving the rest of the config byte for byte', async () => {
    backends.clear()
    await get(nginx.url, 4)
    const before = backends.all()[0]!.headers

    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const servers = APP_IPS.map((ip) => `${ip}:${port()}`)
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
    backends.clear()
    await get(nginx.url, 30)
    for (const b of backends.servers) expect(b.requests.length, b.server).toBeGreaterThan(0)
    const connections = backends.servers.reduce((n, b) => n + b.connections(), 0)
    expect(connections).toBeLessThan(30)
    const after = backends.all()[0]!.headers
    const strip = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'connection'))
    expect(strip(after)).toEqual(strip(before))
    expect(before.connection).toBe('close')
    expect(after.connection).toBeUndefined()
  })

  it('a second sync with nothing new changes nothing and does not reload', async () => {
    const workers = await nginx.workers()
    const config = await readFile(nginx.confPath)
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({changed: false, reloaded: false, diff: ''})
    expect(await nginx.workers()).toEqual(workers)
    expect(await readFile(nginx.confPath)).toEqual(config)
  })

  it('opens each app security group to the LB address, marked for the profile', async () => {
    const ec2 = await accountEc2(moto, ids.a1)
    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({}))).SecurityGroupRules ?? []
    ec2.destroy()
    const ours = rules.filter((r) => r.Description?.startsWith('fleet:sync-'))
    expect(ours.map((r) => [r.CidrIpv4, r.FromPort, r.ToPort])).toEqual([[`${LB_IP}/32`, port(), port()]])
  })

  it('upstream show compares the host with the architecture', async () => {
    const inSync = await runFleet(['upstream', 'show', '--profile', file, '--arch', '6', '--json'], {env})
    expect(inSync.exitCode, inSync.stderr).toBe(0)
    expect(JSON.parse(inSync.stdout)).toMatchObject({inSync: true, source: 'upstreamFile', missing: [], stale: []})
    const three = await runFleet(['upstream', 'show', '--profile', file, '--arch', '3'], {env})
    expect(three.stdout).toContain('OUT OF SYNC')
    expect(three.stdout).toContain(`- stale   ${APP_IPS[2]}:${port()}`)
  })

  it('going to an architecture without keep-alive puts the values fleet found back', async () => {
    const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '3', '--json'], {env})
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const now = await readFile(nginx.confPath, 'utf8')
    expect(now.split('\n').filter((l) => l.endsWith('# fleet'))).toEqual([])
    expect(now).toMatch(/^worker_processes 1;/m)
    expect(now).toMatch(/worker_connections 1024;/)
    const upstream = await readFile(upstreamFileOf(nginx), 'utf8')
    expect(upstream).not.toContain('keepalive')
    expect(upstream).not.toContain(APP_IPS[2])
  })
})

describe('fleet doctor, on the hosts', () => {
  it('checks SSH, nginx on the LB and the app tools on the app servers', async () => {
    await withStoryNginx(async (nginx) => {
      const ssh = {host: sshd.host, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile}
      const account = (id: string, tag: string) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ssh})
      const file = await writeProfile(nginx.prefix, {
        region: 'ap-northeast-2',
        hub: {source: 'env'},
        accounts: {lb: account(ids.lb, 'lb'), 'app-1': account(ids.a1, 'app')},
        nginx: {on: 'lb', config: nginx.confPath, upstream: 'honorsParkingBackend', ...nginx.commands, address: 'private'},
        apps: {restart: 'no-such-compose-tool up -d'},
      }, 'doctor-hosts')
      const run = await runFleet(['doctor', '--profile', file, '--json'], {env: fleetEnv(moto)})
      expect(run.exitCode, run.stderr).toBe(3)
      const [lb, app] = JSON.parse(run.stdout).accounts
      const check = (a: {checks: Array<{name: string}>}, name: string) => a.checks.find((c) => c.name === name)
      expect(check(lb, 'ssh')).toMatchObject({ok: true, detail: `${sshd.user}@${sshd.host}:${sshd.port}`})
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
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(run.exitCode).toBe(3)
      const out = JSON.parse(run.stdout)
      expect(out).toMatchObject({rolledBack: true, reloaded: false, error: {code: 'NginxTestFailed'}})
      expect(out.error.message).toContain('/nonexistent/fleet-upstream.conf')
      expect(await readFile(nginx.confPath)).toEqual(before)
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
      expect(await nginx.workers()).toEqual(workers)
      backends.clear()
      await get(nginx.url, 2)
      expect(backends.servers[0]!.requests.length).toBe(2)
    })
  })

  it('restores and reloads the old files when the dump does not show the new upstream', async () => {
    await withStoryNginx(async (nginx) => {
      // A dump that keeps showing the old config, as a container that sees another file would.
      const stale = join(nginx.prefix, 'stale.conf')
      await nginx.write('stale.conf', await readFile(nginx.confPath, 'utf8'))
      const file = await profileFor(nginx, {dump: `cat ${stale}`})
      const before = await readFile(nginx.confPath)
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout)).toMatchObject({rolledBack: true, reloaded: true, error: {code: 'NginxNotApplied'}})
      expect(await readFile(nginx.confPath)).toEqual(before)
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
      backends.clear()
      await get(nginx.url, 2)
      expect(backends.servers[0]!.requests.length).toBe(2)
    })
  })

  it('Ctrl-C during the change lets it finish, then exits 130 with nginx consistent', async () => {
    await withStoryNginx(async (nginx) => {
      // A slow nginx -t: Ctrl-C arrives while the new files are on disk but not loaded yet.
      const marker = join(nginx.prefix, 'testing')
      const file = await profileFor(nginx, {test: `touch ${marker}; sleep 2; ${nginx.commands.test}`})
      const run = startFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      while (!(await exists(marker))) await new Promise((r) => setTimeout(r, 50))
      run.kill('SIGINT')
      const {exitCode, stdout} = await run.done
      expect(exitCode, stdout).toBe(130)
      expect(JSON.parse(stdout).error).toMatchObject({code: 'Interrupted', message: expect.stringContaining('The new upstream is live; the health check was skipped.')})
      // The change went through test, reload and confirmation: what is on disk is what nginx runs.
      expect(await readFile(upstreamFileOf(nginx), 'utf8')).toContain(`server ${APP_IPS[2]}:${port()};`)
      expect(await nginx.dump()).toContain(`server ${APP_IPS[2]}:${port()};`)
      backends.clear()
      await get(nginx.url, 6)
      expect(backends.servers.every((b) => b.requests.length > 0)).toBe(true)
    })
  })

  it('names an nginx.config that does not exist (exit 3)', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx, {config: '/nonexistent/nginx.conf'})
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6'], {env: fleetEnv(moto)})
      expect(run.exitCode).toBe(3)
      expect(run.stderr).toContain('nginx.config /nonexistent/nginx.conf does not exist on lb')
    })
  })

  it('says the LB is unreachable, naming the address, and changes nothing', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx)
      const text = (await readFile(file, 'utf8')).replace(`port: ${sshd.port}`, 'port: 1')
      await writeFile(file, text)
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout).error.code).toBe('SshUnreachable')
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
    })
  })

  it('never writes an empty upstream: with every app stopped it refuses (exit 3)', async () => {
    await withStoryNginx(async (nginx) => {
      const file = await profileFor(nginx)
      for (const id of appIds) {
        const ec2 = await accountEc2(moto, id)
        const all = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? []) ?? []
        await ec2.send(new StopInstancesCommand({InstanceIds: all.map((i) => i.InstanceId!)}))
        ec2.destroy()
      }
      const run = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(run.exitCode).toBe(3)
      expect(JSON.parse(run.stdout).error.code).toBe('NoRunningApps')
      expect(await exists(upstreamFileOf(nginx))).toBe(false)
    })
  })
})
