/**
 * Connecting to a real OpenSSH sshd: authentication failures, unreachable
 * hosts, retries while a host boots, and a connection that drops.
 */
import {execFile, spawn} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {connect, withRemote} from '../../src/remote/connect.js'
import {freePort, type Sshd, startSshd} from '../harness/sshd.js'
import {failure, freshOptions, removeTempDirs, targetOf, tempDir} from './helpers.js'

const run = promisify(execFile)

let sshd: Sshd
let scratch: string

beforeAll(async () => {
  sshd = await startSshd()
  scratch = await tempDir('fleet-connect-')
}, 30_000)

afterAll(async () => {
  await sshd?.dispose()
  await removeTempDirs()
})

describe('authentication', () => {
  test('a key the host does not accept fails with SshAuthFailed, naming what to check and no key material', async () => {
    const otherKey = join(scratch, 'other_ed25519')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey])
    const options = await freshOptions()
    const error = await failure(connect(targetOf(sshd, {account: 'app-2', keyFile: otherKey}), options))
    expect(error).toMatchObject({code: 'SshAuthFailed', exitCode: 3})
    expect(error.message).toContain(`${sshd.user}@${sshd.host}:${sshd.port}`)
    expect(error.message).toContain('app-2')
    expect(error.message).toContain(otherKey)
    expect(error.nextSteps.join('\n')).toContain('accounts.app-2.ssh.user')
    expect(error.nextSteps.join('\n')).toContain('accounts.app-2.ssh.key')
    const keyBody = (await readFile(otherKey, 'utf8')).split('\n').slice(1, -2).join('')
    const everything = `${error.message}\n${error.nextSteps.join('\n')}\n${JSON.stringify(error)}`
    expect(everything).not.toContain(keyBody.slice(0, 20))
  })

  test('a wrong user fails the same way', async () => {
    const error = await failure(connect(targetOf(sshd, {user: 'ubuntu-not-here'}), await freshOptions()))
    expect(error).toMatchObject({code: 'SshAuthFailed'})
    expect(error.message).toContain(`ubuntu-not-here@${sshd.host}:${sshd.port}`)
  })

  test('a key file that does not exist is a profile problem (exit 2)', async () => {
    const error = await failure(connect(targetOf(sshd, {keyFile: join(scratch, 'missing.pem')}), await freshOptions()))
    expect(error).toMatchObject({code: 'SshKeyUnreadable', exitCode: 2})
    expect(error.message).toContain('missing.pem')
    expect(error.nextSteps.join('\n')).toContain('accounts.lb.ssh.key')
  })

  test('without a key file, ssh-agent is used; without either, the message says so', async () => {
    const socket = join(scratch, 'agent.sock')
    const agent = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'})
    try {
      await waitForFile(socket)
      await run('ssh-add', ['-q', sshd.clientKeyFile], {env: {...process.env, SSH_AUTH_SOCK: socket}})
      const target = targetOf(sshd, {keyFile: undefined})
      await withRemote(target, await freshOptions({agentSocket: socket}), async (sh) => {
        expect((await sh.exec('echo via-agent')).stdout).toBe('via-agent\n')
      })

      const saved = process.env.SSH_AUTH_SOCK
      delete process.env.SSH_AUTH_SOCK
      try {
        const error = await failure(connect(target, await freshOptions()))
        expect(error).toMatchObject({code: 'SshNoKey', exitCode: 2})
        expect(error.message).toContain('accounts.lb.ssh.key')
      } finally {
        if (saved !== undefined) process.env.SSH_AUTH_SOCK = saved
      }
    } finally {
      agent.kill()
    }
  })
})

describe('unreachable hosts', () => {
  test('a closed port fails fast with SshUnreachable naming the account and address', async () => {
    const port = await freePort()
    const started = Date.now()
    const error = await failure(connect(targetOf(sshd, {port}), await freshOptions({connectTimeoutMs: 2000})))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error).toMatchObject({code: 'SshUnreachable', exitCode: 3})
    expect(error.message).toContain(`lb (i-0123456789abcdef0, ${sshd.user}@127.0.0.1:${port})`)
    expect(error.message).toContain('ECONNREFUSED')
    expect(error.nextSteps.join('\n')).toContain('security group')
  })

  test('a host that accepts but never speaks SSH times out within connectTimeoutMs, retries included', async () => {
    const silent = await silentServer()
    try {
      const port = (silent.address() as {port: number}).port
      let started = Date.now()
      const once = await failure(connect(targetOf(sshd, {port}), await freshOptions({connectTimeoutMs: 800})))
      expect(once).toMatchObject({code: 'SshUnreachable'})
      expect(Date.now() - started).toBeLessThan(800 + 2000)

      started = Date.now()
      const retried = await failure(connect(targetOf(sshd, {port}), await freshOptions({connectTimeoutMs: 500, retryForMs: 2000})))
      expect(retried.message).toMatch(/\d+ attempts over \d+ s/)
      expect(Date.now() - started).toBeLessThan(2000 + 500 + 3000)
    } finally {
      silent.close()
    }
  })

  test('retryForMs rides out an sshd that starts a moment later', async () => {
    const rig = await startSshd()
    try {
      await rig.stop()
      const target = targetOf(rig, {instanceId: 'i-0ddddddddddddddd4'})
      await expect(connect(target, await freshOptions())).rejects.toMatchObject({code: 'SshUnreachable'})

      const started = Date.now()
      const booting = new Promise((resolve) => setTimeout(resolve, 1500)).then(() => rig.start())
      await withRemote(target, await freshOptions({retryForMs: 20_000}), async (sh) => {
        expect((await sh.exec('echo up')).stdout).toBe('up\n')
      })
      await booting
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
    } finally {
      await rig.dispose()
    }
  })

  test('authentication failures are not retried', async () => {
    const started = Date.now()
    const error = await failure(connect(targetOf(sshd, {user: 'nobody-here'}), await freshOptions({retryForMs: 20_000})))
    expect(error).toMatchObject({code: 'SshAuthFailed'})
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('a connection that drops', () => {
  test('fails the stream and later commands with SshConnectionLost', async () => {
    const rig = await startSshd()
    try {
      const sh = await connect(targetOf(rig, {account: 'app-3'}), await freshOptions())
      const lines: string[] = []
      const stream = sh.stream('while true; do echo beat; sleep 0.1; done', {pty: true, onLine: (line) => lines.push(line)})
      while (lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 50))

      // Kill the sshd processes serving this session (the host "vanishes").
      for (const pid of await descendants(rig.pid() ?? 0)) killIfAlive(pid)

      await expect(stream.done).rejects.toMatchObject({code: 'SshConnectionLost', message: expect.stringContaining('app-3')})
      await expect(sh.exec('true')).rejects.toMatchObject({code: 'SshConnectionLost'})
      await sh.dispose()
    } finally {
      await rig.dispose()
    }
  })
})

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    // Gone already: killing its parent took it along.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

async function descendants(pid: number): Promise<number[]> {
  const children = await run('pgrep', ['-P', String(pid)]).then(
    ({stdout}) => stdout.trim().split('\n').map(Number),
    () => [],
  )
  const below = await Promise.all(children.map(descendants))
  return [...children, ...below.flat()]
}

/** A TCP server that accepts connections and never sends an SSH banner. */
function silentServer(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(() => {})
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

async function waitForFile(path: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await readFile(path)
      return
    } catch (error) {
      // A socket cannot be read (ENXIO) but exists: that is what we wait for.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return
      if (Date.now() > deadline) throw new Error(`${path} did not appear`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
