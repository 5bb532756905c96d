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

import {describe, expect, it, onTestFinished, vi} from 'vitest'

import {pidsIn, processTree} from './harness/process-tree.ts'
import {tempDir} from './harness/temp-dirs.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PROBES = join(ROOT, 'test', 'harness', 'probes')

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

describe('a test run killed mid-file', () => {
  // Starts a vitest run of its own (its keyring, a worker with the story rig): about 10 s.
  it('leaves no process behind: the keyring, moto, sshd and its sessions, nginx and its workers', async () => {
    // Given a vitest run whose test holds the story rig and a remote command hanging on an app host
    const ready = join(tempDir('fleet-killed-'), 'ready')
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs')
    const run = spawn(process.execPath, [vitest, 'run', '--config', join(PROBES, 'vitest.config.ts')], {cwd: ROOT, env: {...process.env, FLEET_PROBE_READY: ready, FLEET_PROBE_BASE: '140'}, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const ended = new Promise((resolve) => run.once('close', resolve))
    // Should an assertion fail before the kill, the run still ends here.
    onTestFinished(() => void run.kill('SIGKILL'))
    await vi.waitUntil(() => existsSync(ready) || run.exitCode !== null, {timeout: 60_000, interval: 50})
    if (!existsSync(ready)) throw new Error(`the probe run ended before its rig was up:\n${output}`)
    const worker = Number(await readFile(ready, 'utf8'))
    const tree = processTree()
    if (!tree) throw new Error('this test process has no cgroup of its own (root and a cgroup file system are needed)')
    const cgroups = [worker, run.pid].map((pid) => join(tree.dir, '..', String(pid)))
    const inRun = () => cgroups.flatMap(pidsIn)
    await vi.waitUntil(async () => (await Promise.all(inRun().map(commandOf))).some((c) => c.startsWith('sleep 600')), {timeout: 20_000, interval: 50})
    const commands = await Promise.all(inRun().map(commandOf))
    for (const peer of [/gnome-keyring-daemon/, /moto_server/, /sshd/, /nginx: master/, /nginx: worker/, /^sleep 600/]) expect(commands.some((c) => peer.test(c)), `${peer} in ${commands.join('\n')}`).toBe(true)
    const pids = inRun()

    // When the runner is killed with no chance to clean up
    run.kill('SIGKILL')
    await ended

    // Then every process the run started ends, and its cgroups are removed
    await vi.waitUntil(() => pids.every((pid) => !existsSync(`/proc/${pid}`)) && cgroups.every((dir) => !existsSync(dir)), {timeout: 20_000, interval: 50})
  }, 120_000)
})
