/**
 * One app server's `.env` switch (src/rds/app-env.ts) against a real sshd
 * host, without AWS: a run killed between writing the `.env` and
 * restarting the app is finished by the next one; a dry run reads only;
 * a restart past the remote deadline puts the old `.env` back.
 */
import {stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {type EnvJob, pendingMarkerOf, switchOnHost} from '../src/rds/app-env.js'
import {connect, KnownHosts, type RemoteShell} from '../src/remote/index.js'
import {type AppHost, type AppHosts, startAppHosts} from './harness/app-hosts.ts'
import {tempDir} from './harness/moto.ts'

const urls = {public: 'jdbc:mysql://db.example.com:3306/parking', private: 'jdbc:mysql://10.0.0.5:3306/parking'}
let apps: AppHosts
let host: AppHost
let shell: RemoteShell

beforeAll(async () => {
  apps = await startAppHosts(['127.0.0.71'])
  host = apps.hosts[0]!
  const target = {account: 'app-1', instanceId: 'i-0env', host: host.ssh.host, port: host.ssh.port, user: host.ssh.user, keyFile: host.ssh.key}
  shell = await connect(target, {knownHosts: new KnownHosts(join(tempDir('fleet-kh-'), 'known_hosts'))})
})

afterAll(async () => {
  await shell?.dispose()
  await apps?.stop()
})

beforeEach(() => host.reset())

const job = (over: Partial<EnvJob> = {}): EnvJob => ({envFile: apps.envFile, key: 'DB_URL', urls, want: 'public', force: false, restart: apps.restart, restartAnyway: false, dryRun: false, ...over})
const onHost = () => ({shell, reopen: async () => shell})

describe('switchOnHost', () => {
  it('Given a run killed after writing the .env (its pending marker left), When run again, Then the app is restarted although the file is right, and the marker goes', async () => {
    await host.setEnv(`DB_URL=${urls.public}\n`)
    await writeFile(join(host.dir, '.env.fleet-pending'), '{"since":"2026-11-30T10:00:00Z"}\n')
    const out = await switchOnHost(onHost(), job())
    expect(out).toMatchObject({outcome: 'restarted', restarted: true, pending: true, dbUrlMode: 'public', ok: true})
    expect(out.warnings.join()).toContain('cut short')
    expect(await host.restarts()).toHaveLength(1)
    await expect(stat(join(host.dir, '.env.fleet-pending'))).rejects.toThrow()
    expect(pendingMarkerOf(apps.envFile)).toBe(`${apps.envFile}.fleet-pending`)
    // Then a further run has nothing to do
    expect(await switchOnHost(onHost(), job())).toMatchObject({outcome: 'unchanged', restarted: false})
  })

  it('Given a dry run, When the file would change, Then the masked diff is returned and nothing is written or restarted', async () => {
    await host.setEnv(`DB_URL=${urls.private}\nDB_PASSWORD=hunter2\n`)
    const before = await host.env()
    const out = await switchOnHost(onHost(), job({dryRun: true}))
    expect(out).toMatchObject({outcome: 'switched', restarted: false, dbUrlMode: 'private', before: 'private'})
    expect(out.diff).toContain(`+DB_URL=${urls.public}`)
    expect(out.diff).toContain(' DB_PASSWORD=****')
    expect(await host.env()).toEqual(before)
    expect(await host.restarts()).toEqual([])
  })

  it('Given a restart that hangs past the remote deadline, Then the old .env is put back and the app restarted on it', async () => {
    const previous = process.env.FLEET_REMOTE_TIMEOUT
    process.env.FLEET_REMOTE_TIMEOUT = '1'
    try {
      await host.setEnv(`#DB_URL=${urls.public}\nDB_URL=${urls.private}\n`, 0o600)
      const before = await host.env()
      const inode = (await stat(join(host.dir, '.env'))).ino
      await writeFile(join(host.dir, 'hang'), '')
      const hangOnce = `d=${apps.appDir}; if [ -e $d/hang ]; then rm $d/hang; sleep 30; fi; ${apps.restart}`
      const out = await switchOnHost(onHost(), job({restart: hangOnce}))
      expect(out).toMatchObject({outcome: 'restored', ok: false, restarted: true, dbUrlMode: 'private', error: {code: 'RemoteCommandTimeout'}})
      expect(out.error!.message).toContain('The files were restored and made live again.')
      expect(await host.env()).toEqual(before)
      const st = await stat(join(host.dir, '.env'))
      expect([st.ino, st.mode & 0o777]).toEqual([inode, 0o600])
      expect((await host.restarts()).map((r) => r.line)).toEqual([`DB_URL=${urls.private}`])
    } finally {
      if (previous === undefined) delete process.env.FLEET_REMOTE_TIMEOUT
      else process.env.FLEET_REMOTE_TIMEOUT = previous
    }
  })
})
