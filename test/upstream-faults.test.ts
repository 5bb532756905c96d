/**
 * `fleet upstream sync` under faults, with real peers (moto, sshd, nginx,
 * three backends): whatever goes wrong inside the apply, the host is left
 * either byte-identical to before or fully applied and loaded, and a re-run
 * converges. Each test breaks one thing on purpose.
 */
import {execFile} from 'node:child_process'
import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type Backends, startBackends} from './harness/backends.ts'
import {fleetEnv, type Moto, roleArn, runFleet, seedAccount, startFleet, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'
import {type Nginx, startNginx, storyNginxConfig} from './harness/nginx.ts'
import {type Sshd, startSshd} from './harness/sshd.ts'

const run = promisify(execFile)
const APP_IPS = ['127.0.0.21', '127.0.0.22', '127.0.0.23']
const LB_IP = '127.0.0.20'

const storyConfig = storyNginxConfig

let moto: Moto
let sshd: Sshd
let backends: Backends
const ids = {lb: uniqueAccountId(), a1: uniqueAccountId(), a2: uniqueAccountId(), a3: uniqueAccountId()}

beforeAll(async () => {
  moto = await startMoto()
  sshd = await startSshd()
  backends = await startBackends(APP_IPS)
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, privateIp: LB_IP}]})
  for (const [i, id] of [ids.a1, ids.a2, ids.a3].entries()) await seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'app'}, privateIp: APP_IPS[i]}]})
})

afterAll(async () => {
  await backends?.stop()
  await sshd?.dispose()
  await moto?.stop()
})

const port = () => backends.servers[0]!.port
const upstreamFileOf = (nginx: Nginx) => join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
const exists = (path: string) => stat(path).then(() => true, () => false)

async function profileFor(nginx: Nginx, nginxOverrides: object = {}, name = `faults-${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
  const account = (id: string, tag: string, extra: object = {}) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ...extra})
  return writeProfile(nginx.prefix, {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {
      lb: account(ids.lb, 'lb', {ssh: {host: sshd.host, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile}}),
      'app-1': account(ids.a1, 'app'),
      'app-2': account(ids.a2, 'app'),
      'app-3': account(ids.a3, 'app'),
    },
    nginx: {on: 'lb', config: nginx.confPath, upstreamFile: upstreamFileOf(nginx), upstream: 'honorsParkingBackend', ...nginx.commands, address: 'private', ...nginxOverrides},
    apps: {port: port()},
    architectures: {'6': {apps: ['app-1', 'app-2', 'app-3'], nginx: {keepalive: 16}}, '3': {apps: ['app-1', 'app-2']}},
  }, name)
}

/** A fresh nginx on the story's config with one live server; stopped after `use`. */
async function withNginx(use: (nginx: Nginx) => Promise<void>, extraHttp = ''): Promise<void> {
  const nginx = await startNginx({configText: storyConfig([`${APP_IPS[0]}:${port()}`], extraHttp)})
  try {
    await use(nginx)
  } finally {
    await nginx.stop()
  }
}

/** Everything under the prefix that is not nginx's own (logs, temp folders): the files a sync may leave. */
async function files(nginx: Nginx): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await readdir(nginx.prefix, {recursive: true, withFileTypes: true})) {
    const path = join(entry.parentPath, entry.name)
    if (entry.isFile() && !path.includes(`${nginx.prefix}/logs`) && !path.endsWith('.yaml')) out[path.slice(nginx.prefix.length)] = await readFile(path, 'latin1')
  }
  return out
}

/** Which backends a few requests through nginx reach. */
async function reached(nginx: Nginx, n = 6): Promise<number> {
  backends.clear()
  for (let i = 0; i < n; i++) await (await fetch(`${nginx.url}/x/${i}`)).text()
  return backends.servers.filter((b) => b.requests.length > 0).length
}

/**
 * `nginx.test` with `fault` run only once fleet has written the upstream
 * file: the check fleet makes before writing (the current config must pass)
 * runs the plain test.
 */
const afterWrite = (nginx: Nginx, fault: string) => `if [ -e ${upstreamFileOf(nginx)} ]; then ${fault}; fi; ${nginx.commands.test}`

/** The sync to architecture 6 converges once the fault is gone. */
async function convergesAfter(nginx: Nginx, file: string): Promise<void> {
  const again = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
  expect(again.exitCode, again.stdout + again.stderr).toBe(0)
  expect(JSON.parse(again.stdout)).toMatchObject({reloaded: true, error: null})
  expect(await reached(nginx)).toBe(3)
}

describe('upstream sync under faults inside the apply', () => {
  it('an nginx.test that hangs past the remote deadline: the files are put back, nothing is reloaded', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      const hung = await profileFor(nginx, {test: afterWrite(nginx, 'sleep 30')})
      const before = await files(nginx)
      const out = await runFleet(['upstream', 'sync', '--profile', hung, '--arch', '6', '--json'], {env: fleetEnv(moto, {FLEET_REMOTE_TIMEOUT: '2'})})
      expect(out.exitCode, out.stderr).toBe(3)
      const json = JSON.parse(out.stdout)
      expect(json).toMatchObject({rolledBack: true, reloaded: false, error: {code: 'RemoteCommandTimeout'}})
      expect(json.error.message).toContain('The files were restored.')
      expect(await files(nginx)).toEqual({...before, '/nginx.conf.fleet-backup': before['/nginx.conf']})
      expect(await reached(nginx)).toBe(1)
      await convergesAfter(nginx, good)
    })
  })

  it('a connection dropped during nginx.test: fleet reconnects and puts the files back', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      // Kills its own SSH session (the nearest sshd ancestor) the first time it runs.
      const once = join(nginx.prefix, 'dropped')
      const dropper = `[ -e ${once} ] || { touch ${once}; p=$$; while c=$(cat /proc/$p/comm); [ "\${c#sshd}" = "$c" ]; do p=$(awk '{print $4}' /proc/$p/stat); done; kill -9 $p; sleep 5; }`
      const dropping = await profileFor(nginx, {test: afterWrite(nginx, dropper)})
      const before = await files(nginx)
      const out = await runFleet(['upstream', 'sync', '--profile', dropping, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(out.exitCode, out.stderr).toBe(3)
      const json = JSON.parse(out.stdout)
      expect(json).toMatchObject({rolledBack: true, reloaded: false, error: {code: 'SshConnectionLost'}})
      expect(json.error.message).toContain('The files were restored.')
      const after = await files(nginx)
      delete after['/dropped']
      expect(after).toEqual({...before, '/nginx.conf.fleet-backup': before['/nginx.conf']})
      expect(await reached(nginx)).toBe(1)
      await convergesAfter(nginx, good)
    })
  })

  it('a second Ctrl-C during nginx.test is obeyed only after the files are put back (exit 130, one JSON document)', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      const marker = join(nginx.prefix, 'testing')
      const slow = await profileFor(nginx, {test: afterWrite(nginx, `touch ${marker}; sleep 20`)})
      const before = await files(nginx)
      const fleet = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      while (!(await exists(marker))) await new Promise((r) => setTimeout(r, 25))
      fleet.kill('SIGINT')
      await new Promise((r) => setTimeout(r, 200))
      fleet.kill('SIGINT')
      const out = await fleet.done
      expect(out.exitCode, out.stderr).toBe(130)
      const json = JSON.parse(out.stdout)
      expect(json.error).toMatchObject({code: 'Interrupted', exitCode: 130})
      expect(json.error.message).toContain('The files were restored.')
      const after = await files(nginx)
      delete after['/testing']
      expect(after).toEqual({...before, '/nginx.conf.fleet-backup': before['/nginx.conf']})
      expect(await reached(nginx)).toBe(1)
      await convergesAfter(nginx, good)
    })
  })

  it('killed outright between write and reload: the next show says so, and the next sync reloads', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      const marker = join(nginx.prefix, 'testing')
      const slow = await profileFor(nginx, {test: afterWrite(nginx, `touch ${marker}; sleep 20`)})
      const fleet = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      while (!(await exists(marker))) await new Promise((r) => setTimeout(r, 25))
      fleet.kill('SIGKILL')
      await fleet.done
      // The new files are on disk, nginx still serves the old upstream.
      expect(await readFile(upstreamFileOf(nginx), 'utf8')).toContain(APP_IPS[2])
      expect(await reached(nginx)).toBe(1)
      const show = await runFleet(['upstream', 'show', '--profile', good, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(JSON.parse(show.stdout)).toMatchObject({inSync: false, pending: true, missing: [], stale: []})
      const sync = await runFleet(['upstream', 'sync', '--profile', good, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(sync.exitCode, sync.stderr).toBe(0)
      expect(JSON.parse(sync.stdout)).toMatchObject({changed: true, reloaded: true, warnings: expect.arrayContaining([expect.stringContaining('cut short')])})
      expect(await reached(nginx)).toBe(3)
      const again = await runFleet(['upstream', 'show', '--profile', good, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(JSON.parse(again.stdout)).toMatchObject({inSync: true, pending: false})
    })
  })

  it('an unwritable nginx.config: every file is put back, the upstream file fleet created is removed', async () => {
    // `include conf.d/*.conf` loads fleet's upstream file: left behind, it would duplicate the inline upstream.
    await withNginx(async (nginx) => {
      const file = await profileFor(nginx)
      const before = await files(nginx)
      await run('chattr', ['+i', nginx.confPath])
      try {
        const out = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
        expect(out.exitCode, out.stderr).toBe(3)
        const json = JSON.parse(out.stdout)
        expect(json).toMatchObject({rolledBack: true, reloaded: false, error: {code: 'RemoteCommandFailed'}})
        expect(json.error.message).toContain(`write ${nginx.confPath}`)
        expect(json.error.message).toContain('The files were restored.')
        expect(await exists(upstreamFileOf(nginx))).toBe(false)
        expect(await files(nginx)).toEqual({...before, '/nginx.conf.fleet-backup': before['/nginx.conf']})
        expect((await nginx.test()).ok).toBe(true)
      } finally {
        await run('chattr', ['-i', nginx.confPath])
      }
      await convergesAfter(nginx, file)
    }, '    include @PREFIX@/conf.d/*.conf;\n')
  })

  it('a config that already fails nginx -t is said to be so, and nothing is written', async () => {
    await withNginx(async (nginx) => {
      const file = await profileFor(nginx)
      await nginx.write('nginx.conf', (await readFile(nginx.confPath, 'utf8')).replace('access_log off;', 'access_log off;\n    fleet_no_such_directive on;'))
      const before = await files(nginx)
      const out = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: fleetEnv(moto)})
      expect(out.exitCode, out.stderr).toBe(3)
      const json = JSON.parse(out.stdout)
      expect(json.error.code).toBe('NginxAlreadyBroken')
      expect(json.error.message).toMatch(/^The current config already fails `.*-t`, before fleet changed anything; nothing was written\.\n.*fleet_no_such_directive/s)
      expect(await files(nginx)).toEqual(before)
    })
  })

  it('two profiles on the same nginx host take turns: the second waits, naming whose lock, and the end state is whole', async () => {
    await withNginx(async (nginx) => {
      const marker = join(nginx.prefix, 'testing')
      const slow = await profileFor(nginx, {test: afterWrite(nginx, `touch ${marker}; sleep 2`)}, 'first')
      const other = await profileFor(nginx, {}, 'second')
      const env = fleetEnv(moto)
      const first = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env})
      while (!(await exists(marker))) await new Promise((r) => setTimeout(r, 25))
      const second = startFleet(['upstream', 'sync', '--profile', other, '--arch', '3', '--json'], {env})
      const [a, b] = await Promise.all([first.done, second.done])
      expect(a.exitCode, a.stderr).toBe(0)
      expect(b.exitCode, b.stderr).toBe(0)
      expect(b.stderr).toMatch(/Waiting for the lock on instance i-\w+, held by `fleet upstream sync` \(profile first, pid \d+/)
      // The second ran after the first: arch 3's two servers are on disk and served.
      const upstream = await readFile(upstreamFileOf(nginx), 'utf8')
      expect(upstream).toContain(APP_IPS[1])
      expect(upstream).not.toContain(APP_IPS[2])
      expect(await reached(nginx)).toBe(2)
      expect(await exists(`${nginx.confPath}.fleet-pending`)).toBe(false)
    })
  })
})
