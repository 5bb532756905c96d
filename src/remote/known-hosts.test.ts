import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {withFileLock} from '../util/file-lock.js'
import {fingerprintOf, forgetHostKey, type HostKey, hostKeyFromBlob, KnownHosts, PinConflict} from './known-hosts.js'

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-known-hosts-'))
  file = join(dir, 'known_hosts')
})

afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** A real key made by ssh-keygen: its `.pub` line and what ssh-keygen says its fingerprint is. */
function realKey(name: string): {key: HostKey; fingerprint: string} {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path])
  const [type = '', base64 = ''] = execFileSync('cat', [`${path}.pub`], {encoding: 'utf8'}).split(' ')
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], {encoding: 'utf8'}).split(' ')[1] ?? ''
  return {key: {type, base64}, fingerprint}
}

describe('host keys', () => {
  test('the type comes from the blob and the fingerprint matches ssh-keygen -l', () => {
    const {key, fingerprint} = realKey('k1')
    const parsed = hostKeyFromBlob(Buffer.from(key.base64, 'base64'))
    expect(parsed).toEqual(key)
    expect(fingerprintOf(parsed)).toBe(fingerprint)
  })
})

describe('KnownHosts', () => {
  test('pins on first use, then finds the key by instance id', async () => {
    const hosts = new KnownHosts(join(dir, 'sub', 'known_hosts'))
    const {key} = realKey('k1')
    expect(await hosts.get('i-0abc')).toBeNull()
    expect(await hosts.pin('i-0abc', key)).toBeNull()
    expect(await hosts.get('i-0abc')).toEqual(key)
    expect(await readFile(hosts.file, 'utf8')).toMatch(new RegExp(`^i-0abc ssh-ed25519 ${key.base64.replaceAll('+', '\\+')} \\S+\\n$`))
  })

  test('refuses to overwrite a different pinned key unless asked to replace it', async () => {
    const hosts = new KnownHosts(file)
    const first = realKey('k1').key
    const second = realKey('k2').key
    await hosts.pin('i-0abc', first)
    const conflict = await hosts.pin('i-0abc', second)
    expect(conflict).toBeInstanceOf(PinConflict)
    expect(conflict?.pinned).toEqual(first)
    expect(await hosts.get('i-0abc')).toEqual(first)

    expect(await hosts.pin('i-0abc', second, {replace: true})).toBeNull()
    expect(await hosts.get('i-0abc')).toEqual(second)
    expect((await readFile(file, 'utf8')).match(/i-0abc/g)).toHaveLength(1)
  })

  test('forget removes only that instance and keeps comments and other lines byte for byte', async () => {
    const {key} = realKey('k1')
    const others = `# my notes\n\ni-keep ${key.type} ${key.base64} hand-written\n`
    await writeFile(file, `${others}i-gone ${key.type} ${key.base64}`)
    expect(await forgetHostKey('i-gone', file)).toBe(true)
    expect(await readFile(file, 'utf8')).toBe(others)
    expect(await forgetHostKey('i-gone', file)).toBe(false)
  })

  test('appends on a new line when a hand-edited file lacks its final newline', async () => {
    const {key} = realKey('k1')
    await writeFile(file, `i-one ${key.type} ${key.base64}`)
    await new KnownHosts(file).pin('i-two', key)
    const hosts = new KnownHosts(file)
    expect(await hosts.get('i-one')).toEqual(key)
    expect(await hosts.get('i-two')).toEqual(key)
  })

  test('many concurrent pins and forgets lose nothing', async () => {
    const {key} = realKey('k1')
    const ids = Array.from({length: 40}, (_, i) => `i-${i.toString().padStart(4, '0')}`)
    // Two KnownHosts objects on one file behave like two processes: only the lock file orders them.
    const [a, b] = [new KnownHosts(file), new KnownHosts(file)]
    await Promise.all(ids.map((id, i) => (i % 2 ? a : b).pin(id, key)))
    await Promise.all([
      ...ids.slice(0, 10).map((id) => a.forget(id)),
      ...Array.from({length: 10}, (_, i) => b.pin(`i-new-${i}`, key)),
    ])
    const pinned = (await readFile(file, 'utf8')).trim().split('\n').map((line) => line.split(' ')[0])
    expect(pinned.sort()).toEqual([...ids.slice(10), ...Array.from({length: 10}, (_, i) => `i-new-${i}`)].sort())
  })

  test('rejects an instance id that would break the line format', async () => {
    await expect(new KnownHosts(file).forget('i-1 i-2')).rejects.toMatchObject({code: 'BadInstanceId', exitCode: 2})
  })
})

describe('withFileLock', () => {
  test('takes over a lock left by a process that no longer exists', async () => {
    const lock = join(dir, 'x.lock')
    await writeFile(lock, '999999999\n')
    const old = new Date(Date.now() - 60_000)
    await utimes(lock, old, old)
    await expect(withFileLock(lock, async () => 'done', {timeoutMs: 2000})).resolves.toBe('done')
  })

  test('waits for a live holder and gives up with a clear error', async () => {
    const lock = join(dir, 'y.lock')
    await writeFile(lock, `${process.pid}\n`)
    await expect(withFileLock(lock, async () => 'never', {timeoutMs: 200})).rejects.toMatchObject({
      code: 'LockTimeout',
      message: expect.stringContaining(lock),
    })
  })
})
