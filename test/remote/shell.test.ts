/**
 * RemoteShell against a real OpenSSH sshd: commands, files, streams.
 * sshd runs on this machine, so the test checks the remote side directly too.
 */
import {appendFile, chmod, chown, link, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {connect, withRemote} from '../../src/remote/connect.js'
import type {RemoteShell} from '../../src/remote/types.js'
import {type Sshd, startSshd} from '../harness/sshd.js'
import {freshOptions, pidsMatching, removeTempDirs, targetOf, tempDir, uniqueMarker, uniqueSleep, waitUntilGone} from './helpers.js'

let sshd: Sshd
let sh: RemoteShell
let dir: string

beforeAll(async () => {
  sshd = await startSshd()
  sh = await connect(targetOf(sshd), await freshOptions())
  dir = await tempDir('fleet-remote-files-')
}, 30_000)

afterAll(async () => {
  await sh?.dispose()
  await sshd?.dispose()
  await removeTempDirs()
})

describe('exec', () => {
  test('returns stdout, stderr and the exit code, untrimmed', async () => {
    const result = await sh.exec('printf " out \\n"; echo err >&2; exit 3')
    expect(result).toEqual({stdout: ' out \n', stderr: 'err\n', code: 3, signal: null})
  })

  test('feeds stdin, text or bytes', async () => {
    expect((await sh.exec('cat', {stdin: '주차장\nline 2'})).stdout).toBe('주차장\nline 2')
    const bytes = Buffer.from(Array.from({length: 256}, (_, i) => i))
    expect((await sh.exec('od -An -tx1 | tr -d " \\n"', {stdin: bytes})).stdout).toBe(bytes.toString('hex'))
  })

  test('execOrThrow names the account, address and stderr of a failed command', async () => {
    const error = await sh.execOrThrow('echo "nginx: [emerg] unknown directive" >&2; exit 1').catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'RemoteCommandFailed', exitCode: 3})
    expect((error as Error).message).toContain(`lb (i-0123456789abcdef0, ${sshd.user}@${sshd.host}:${sshd.port})`)
    expect((error as Error).message).toContain('exited with 1')
    expect((error as Error).message).toContain('[emerg] unknown directive')
  })

  test('a command over its timeout is killed and reported', async () => {
    const marker = uniqueSleep()
    const started = Date.now()
    const error = await sh.exec(`echo started; ${marker}`, {timeoutMs: 500}).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'RemoteCommandTimeout'})
    expect(Date.now() - started).toBeLessThan(5000)
    expect(await waitUntilGone(marker)).toEqual([])
    // The session is still usable afterwards.
    expect((await sh.exec('echo ok')).stdout).toBe('ok\n')
  })
})

describe('files', () => {
  test('readFile returns the exact bytes, or null for a missing file', async () => {
    const path = join(dir, "it's a file.conf")
    const bytes = Buffer.concat([Buffer.from('line\r\nno final newline '), Buffer.from([0, 0xff, 0xfe])])
    await writeFile(path, bytes)
    expect(await sh.readFile(path)).toEqual(bytes)
    expect(await sh.readFile(join(dir, 'missing.conf'))).toBeNull()
  })

  test('readFile of an unreadable path fails with the reason', async () => {
    await expect(sh.readFile(dir)).rejects.toMatchObject({code: 'RemoteCommandFailed', message: expect.stringContaining('Is a directory')})
  })

  test('writeFileInPlace keeps the inode, mode and owner (a bind-mounted file stays the same file)', async () => {
    const path = join(dir, 'nginx.conf')
    await writeFile(path, 'old content that is longer than the new one\n')
    await chmod(path, 0o640)
    await chown(path, 12345, 23456)
    // A hard link sees exactly what a container with the file bind-mounted sees.
    await link(path, join(dir, 'bind-mount-view'))
    const inodeBefore = (await sh.execOrThrow(`stat -c %i ${path}`)).stdout

    const content = Buffer.from('#DB_URL=jdbc:private\r\nDB_URL=jdbc:public\r\nno newline')
    await sh.writeFileInPlace(path, content)

    expect((await sh.execOrThrow(`stat -c %i ${path}`)).stdout).toBe(inodeBefore)
    expect(await readFile(path)).toEqual(content)
    expect(await readFile(join(dir, 'bind-mount-view'))).toEqual(content)
    const after = await stat(path)
    expect({mode: after.mode & 0o7777, uid: after.uid, gid: after.gid}).toEqual({mode: 0o640, uid: 12345, gid: 23456})
    // No temp file left beside it (an `include *.conf` would pick it up).
    expect((await readdir(dir)).sort()).toEqual(['bind-mount-view', "it's a file.conf", 'nginx.conf'])
  })

  test('writeFileInPlace creates a missing file and writes an empty one', async () => {
    const path = join(dir, 'new dir-less file; $(touch pwned)')
    await sh.writeFileInPlace(path, 'upstream x {}\n')
    expect(await readFile(path, 'utf8')).toBe('upstream x {}\n')
    await sh.writeFileInPlace(path, '')
    expect(await readFile(path, 'utf8')).toBe('')
    expect(await readdir(dir)).not.toContain('pwned')
  })

  test('writeFileInPlace into a folder that does not exist fails clearly', async () => {
    await expect(sh.writeFileInPlace(join(dir, 'nope', 'x.conf'), 'x')).rejects.toMatchObject({
      code: 'RemoteCommandFailed',
      message: expect.stringContaining(`write ${join(dir, 'nope', 'x.conf')}`),
    })
  })

  test('stat gives mode, owner, size and inode, or null', async () => {
    const path = join(dir, 'stat-me')
    await writeFile(path, '12345')
    await chmod(path, 0o604)
    const local = await stat(path)
    expect(await sh.stat(path)).toEqual({mode: local.mode, uid: local.uid, gid: local.gid, size: 5, inode: local.ino})
    expect(await sh.stat(join(dir, 'missing'))).toBeNull()
  })
})

describe('stream', () => {
  test('hands over stdout and stderr line by line, and the exit code', async () => {
    const lines: string[] = []
    const {done} = sh.stream('printf "a\\nb\\n"; echo oops >&2; printf "partial"; exit 4', {
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    })
    expect(await done).toEqual({code: 4, signal: null, stopped: false})
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:b', 'stdout:partial'])
    expect(lines).toContain('stderr:oops')
  })

  test('with a PTY, stop() ends a never-ending remote loop and leaves no process behind', async () => {
    const marker = uniqueMarker('loop')
    const lines: string[] = []
    let seen: () => void = () => {}
    const threeLines = new Promise<void>((resolve) => (seen = resolve))
    const stream = sh.stream(`while true; do echo "tick ${marker}"; sleep 0.1; done`, {
      pty: true,
      onLine: (line) => {
        lines.push(line)
        if (lines.length === 3) seen()
      },
    })
    await threeLines
    expect(lines[0]).toBe(`tick ${marker}`)
    expect(await pidsMatching(marker)).not.toEqual([])

    await stream.stop()
    await expect(stream.done).resolves.toMatchObject({stopped: true})
    expect(await waitUntilGone(marker)).toEqual([])
    expect(lines.every((line) => line === `tick ${marker}`)).toBe(true)
  })

  test('with a PTY, stop() ends tail -f', async () => {
    const log = join(dir, `${uniqueMarker('tail')}.log`)
    await writeFile(log, 'first\n')
    const lines: string[] = []
    const stream = sh.stream(`tail -n 1 -f ${log}`, {pty: true, onLine: (line) => lines.push(line)})
    // Appended once tail has shown the file: only a live follow delivers it.
    await waitFor(async () => lines.includes('first'))
    await appendFile(log, 'second\n')
    await waitFor(async () => lines.includes('second'))
    await stream.stop()
    expect(lines).toEqual(['first', 'second'])
    expect(await waitUntilGone(log)).toEqual([])
  })

  test('without a PTY, stop() ends a command that keeps writing', async () => {
    // sshd refuses signal requests in root sessions (these tests log in as
    // root); closing the channel still ends a writer with SIGPIPE.
    const marker = uniqueMarker('nopty')
    const lines: string[] = []
    const stream = sh.stream(`while true; do echo "${marker}"; sleep 0.1; done`, {onLine: (line) => lines.push(line)})
    await waitFor(async () => lines.length >= 2)
    await stream.stop()
    expect((await stream.done).stopped).toBe(true)
    expect(await waitUntilGone(marker)).toEqual([])
  })
})

describe('withRemote', () => {
  test('disposes of the session even when the work throws', async () => {
    let used: RemoteShell | undefined
    const work = withRemote(targetOf(sshd), await freshOptions(), async (shell) => {
      used = shell
      await shell.execOrThrow('exit 2')
    })
    await expect(work).rejects.toMatchObject({code: 'RemoteCommandFailed'})
    await expect(used?.exec('true')).rejects.toMatchObject({code: 'SshDisposed'})
  })
})

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
