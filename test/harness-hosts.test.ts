/**
 * The rig's hosts as the tests rely on them: an SSH command to a rig host
 * runs no shell start-up file of this machine (as on EC2, where the login
 * shell starts in milliseconds), and everything a test process started is
 * gone once that process is, however it ended.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {userInfo} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it, onTestFinished} from 'vitest'

import {pidsIn} from './harness/process-tree.ts'
import {tempDir} from './harness/temp-dirs.ts'

const PROBES = fileURLToPath(new URL('./harness/probes/', import.meta.url))

/** Runs a probe script with this Node (type stripping) and resolves with its exit code and output. */
function runProbe(args: string[], wrap: string[] = []): {child: ChildProcess; stdout(): string; done: Promise<{code: number | null; stdout: string; stderr: string}>} {
  const argv = [...wrap, process.execPath, ...args]
  const child = spawn(argv[0]!, argv.slice(1), {stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const done = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => child.once('close', (code) => resolve({code, stdout, stderr})))
  return {child, stdout: () => stdout, done}
}

/** Resolves once `check` holds, polling every 50 ms; rejects with `what` after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function commandOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim()
}

describe('rig hosts', () => {
  // The probe starts its sshd in a mount namespace whose start-up files are
  // a marker script: the machine's own files are never edited.
  async function runWithMarkedStartupFiles(mode: 'masked' | 'read'): Promise<string> {
    const dir = tempDir('fleet-rc-')
    const log = join(dir, 'ran.log')
    const marker = join(dir, 'rc')
    await writeFile(marker, `echo "$0 read a start-up file" >> ${log}\n`)
    const files = ['/etc/bash.bashrc', join(userInfo().homedir, '.bashrc'), join(userInfo().homedir, '.profile')].filter((file) => existsSync(file))
    expect(files.length).toBeGreaterThan(0)
    const mounts = files.map((file) => `mount --bind ${marker} ${file}`).join(' && ')
    const wrap = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', `${mounts} && exec "$@"`, 'sh']
    const probe = runProbe([join(PROBES, 'shell-startup.ts'), mode], wrap)
    const {code, stdout, stderr} = await probe.done
    expect({code, stderr}).toMatchObject({code: 0})
    expect(JSON.parse(stdout)).toEqual({ok: true})
    return readFile(log, 'utf8').catch(() => '')
  }

  it('run an SSH command without reading this machine\'s shell start-up files', async () => {
    // Given start-up files that leave a mark when read, When a rig sshd runs `true`, Then no mark
    expect(await runWithMarkedStartupFiles('masked')).toBe('')
  })

  it('would read them without the masks (the check above can fail)', async () => {
    expect(await runWithMarkedStartupFiles('read')).toMatch(/read a start-up file/)
  })
})

describe('a test process killed mid-file', () => {
  it('leaves no process behind: moto, sshd and its sessions, nginx and its workers', async () => {
    // Given the story rig started by a process that contains its tree, with a remote command hanging on an app host
    const probe = runProbe([join(PROBES, 'killed-rig.ts'), '140'])
    // The probe's tree is its own: should an assertion fail before the kill, it still ends here.
    onTestFinished(() => void probe.child.kill('SIGKILL'))
    await until(() => probe.stdout().includes('\n') || probe.child.exitCode !== null, 'the probe to start the rig', 50_000)
    if (probe.child.exitCode !== null) throw new Error(`the probe ended before the rig was up:\n${(await probe.done).stderr}`)
    const {cgroup} = JSON.parse(probe.stdout()) as {cgroup: string}
    await until(async () => (await Promise.all(pidsIn(cgroup).map(commandOf))).some((c) => c.startsWith('sleep 600')), 'the remote command to run')
    const commands = await Promise.all(pidsIn(cgroup).map(commandOf))
    for (const peer of [/moto_server/, /sshd/, /nginx: master/, /nginx: worker/, /^sleep 600/]) expect(commands.some((c) => peer.test(c)), `${peer}`).toBe(true)
    const pids = pidsIn(cgroup).filter((pid) => pid !== probe.child.pid)

    // When it is killed with no chance to clean up
    probe.child.kill('SIGKILL')
    await probe.done

    // Then every process it started ends, and its cgroup is removed
    await until(() => pids.every((pid) => !existsSync(`/proc/${pid}`)) && !existsSync(cgroup), 'every process of the killed probe to end')
  }, 90_000)
})
