/**
 * `fleet upstream sync` under faults, with real peers on the story rig
 * (moto behind the slow-AWS proxy, the LB's sshd, nginx, three backends):
 * whatever goes wrong inside the apply, the host is left either
 * byte-identical to before or fully applied and loaded, and a re-run
 * converges. Each test breaks one thing on purpose.
 */
import {execFile} from 'node:child_process'
import {readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runFleet, startFleet} from './harness/moto.ts'
import {type Nginx, reloadDone} from './harness/nginx.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'
import {fileWrittenDuring, signalsTaken} from './harness/waits.ts'

const run = promisify(execFile)

let rig: StoryRig

// The rig's set-up (moto, the proxy, four sshd hosts, backends, nginx, seeding) takes about 4 s; 120 s for a loaded machine.
beforeAll(async () => {
  rig = await startStoryRig({base: 20, state: 'running', dbs: [], name: 'upstream-faults'})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

const port = () => rig.backends.servers[0]!.port
const appIps = () => rig.addresses.apps
const upstreamFileOf = (nginx: Nginx) => join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
const exists = (path: string) => stat(path).then(() => true, () => false)

async function profileFor(nginx: Nginx, nginxOverrides: object = {}, name = `faults-${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
  return rig.writeProfile({
    accounts: Object.fromEntries(['lb', 'app-1', 'app-2', 'app-3'].map((a) => [a, rig.account(a)])),
    nginx: {...rig.nginxSection(nginx), ...nginxOverrides},
    apps: {port: port()},
    architectures: {'6': {apps: ['app-1', 'app-2', 'app-3'], nginx: {keepalive: 16}}, '3': {apps: ['app-1', 'app-2']}},
    rds: null,
    autoStop: null,
  }, name)
}

/** A nginx of its own on the story's config with one live server (app-1's); stopped after `use`. */
async function withNginx(use: (nginx: Nginx) => Promise<void>, extraHttp = ''): Promise<void> {
  const nginx = await rig.startNginx(extraHttp)
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
  rig.backends.clear()
  for (let i = 0; i < n; i++) await (await fetch(`${nginx.url}/x/${i}`)).text()
  return rig.backends.servers.filter((b) => b.requests.length > 0).length
}

/**
 * `nginx.test` with `fault` run only once fleet has written the upstream
 * file: the check fleet makes before writing (the current config must pass)
 * runs the plain test.
 */
const afterWrite = (nginx: Nginx, fault: string) => `if [ -e ${upstreamFileOf(nginx)} ]; then ${fault}; fi; ${nginx.commands.test}`

/** The sync to architecture 6 converges once the fault is gone. */
async function convergesAfter(nginx: Nginx, file: string): Promise<void> {
  const workers = await nginx.workers()
  const again = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
  expect(again.exitCode, again.stdout + again.stderr).toBe(0)
  expect(JSON.parse(again.stdout)).toMatchObject({reloaded: true, error: null})
  await reloadDone(nginx, workers)
  expect(await reached(nginx)).toBe(3)
}

describe('upstream sync under faults inside the apply', () => {
  // Takes the 2 s remote deadline (FLEET_REMOTE_TIMEOUT) before fleet gives up, then a converging re-run.
  it('an nginx.test that hangs past the remote deadline: the files are put back, nothing is reloaded', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      const hung = await profileFor(nginx, {test: afterWrite(nginx, 'sleep 30')})
      const before = await files(nginx)
      const out = await runFleet(['upstream', 'sync', '--profile', hung, '--arch', '6', '--json'], {env: {...rig.env, FLEET_REMOTE_TIMEOUT: '2'}})
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
      const out = await runFleet(['upstream', 'sync', '--profile', dropping, '--arch', '6', '--json'], {env: rig.env})
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
      const fleet = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env: rig.env})
      await fileWrittenDuring(fleet, marker)
      fleet.kill('SIGINT')
      // The second Ctrl-C only once fleet has taken the first: two sent together may arrive as one.
      await signalsTaken(fleet.pid)
      fleet.kill('SIGINT')
      const out = await fleet.done
      expect(out.exitCode, out.stderr).toBe(130)
      expect(out.stderr).toContain('Stopping: putting back what was changed first')
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

  // Over 5 s: the killed run's locks stay until they are 5 s old (a lock whose process is gone is taken over only then),
  // so the next sync, run from the same FLEET_HOME, waits for that before it reloads.
  it('killed outright between write and reload: the next show says so, and the next sync reloads', async () => {
    await withNginx(async (nginx) => {
      const good = await profileFor(nginx)
      const marker = join(nginx.prefix, 'testing')
      const slow = await profileFor(nginx, {test: afterWrite(nginx, `touch ${marker}; sleep 20`)})
      const fleet = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env: rig.env})
      await fileWrittenDuring(fleet, marker)
      fleet.kill('SIGKILL')
      await fleet.done
      // The new files are on disk, nginx still serves the old upstream.
      expect(await readFile(upstreamFileOf(nginx), 'utf8')).toContain(appIps()[2])
      expect(await reached(nginx)).toBe(1)
      const show = await runFleet(['upstream', 'show', '--profile', good, '--arch', '6', '--json'], {env: rig.env})
      expect(JSON.parse(show.stdout)).toMatchObject({inSync: false, pending: true, missing: [], stale: []})
      const workers = await nginx.workers()
      const sync = await runFleet(['upstream', 'sync', '--profile', good, '--arch', '6', '--json'], {env: rig.env})
      expect(sync.exitCode, sync.stderr).toBe(0)
      expect(JSON.parse(sync.stdout)).toMatchObject({changed: true, reloaded: true, warnings: expect.arrayContaining([expect.stringContaining('cut short')])})
      await reloadDone(nginx, workers)
      expect(await reached(nginx)).toBe(3)
      const again = await runFleet(['upstream', 'show', '--profile', good, '--arch', '6', '--json'], {env: rig.env})
      expect(JSON.parse(again.stdout)).toMatchObject({inSync: true, pending: false})
    })
  }, 60_000)

  it('an unwritable nginx.config: every file is put back, the upstream file fleet created is removed', async () => {
    // `include conf.d/*.conf` loads fleet's upstream file: left behind, it would duplicate the inline upstream.
    await withNginx(async (nginx) => {
      const file = await profileFor(nginx)
      const before = await files(nginx)
      await run('chattr', ['+i', nginx.confPath])
      try {
        const out = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
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
      const out = await runFleet(['upstream', 'sync', '--profile', file, '--arch', '6', '--json'], {env: rig.env})
      expect(out.exitCode, out.stderr).toBe(3)
      const json = JSON.parse(out.stdout)
      expect(json.error.code).toBe('NginxAlreadyBroken')
      expect(json.error.message).toMatch(/^The current config already fails `.*-t`, before fleet changed anything; nothing was written\.\n.*fleet_no_such_directive/s)
      expect(await files(nginx)).toEqual(before)
    })
  })

  it('two profiles on the same nginx host take turns: the second waits, naming whose lock, and the end state is whole', async () => {
    await withNginx(async (nginx) => {
      // The first's nginx -t on its new files holds until the second says it waits for the lock.
      const marker = join(nginx.prefix, 'testing')
      const release = join(nginx.prefix, 'release')
      const hold = `touch ${marker}; i=0; while [ ! -e ${release} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`
      const slow = await profileFor(nginx, {test: afterWrite(nginx, hold)}, 'first')
      const other = await profileFor(nginx, {}, 'second')
      const workers = await nginx.workers()
      const first = startFleet(['upstream', 'sync', '--profile', slow, '--arch', '6', '--json'], {env: rig.env})
      await fileWrittenDuring(first, marker)
      const second = startFleet(['upstream', 'sync', '--profile', other, '--arch', '3', '--json'], {env: rig.env})
      try {
        await second.waitForOutput(/Waiting for the lock/)
      } finally {
        await writeFile(release, '')
      }
      const [a, b] = await Promise.all([first.done, second.done])
      expect(a.exitCode, a.stderr).toBe(0)
      expect(b.exitCode, b.stderr).toBe(0)
      expect(b.stderr).toMatch(/Waiting for the lock on instance i-\w+, held by `fleet upstream sync` \(profile first, pid \d+/)
      // The second ran after the first: arch 3's two servers are on disk and served.
      const upstream = await readFile(upstreamFileOf(nginx), 'utf8')
      expect(upstream).toContain(appIps()[1])
      expect(upstream).not.toContain(appIps()[2])
      await reloadDone(nginx, workers)
      expect(await reached(nginx)).toBe(2)
      expect(await exists(`${nginx.confPath}.fleet-pending`)).toBe(false)
    })
  })
})
