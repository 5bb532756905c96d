import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {expect} from 'vitest'

import {FleetError} from '../../src/errors.js'
import {KnownHosts} from '../../src/remote/known-hosts.js'
import type {ConnectOptions, RemoteTarget} from '../../src/remote/types.js'
import type {Sshd} from '../harness/sshd.js'

const run = promisify(execFile)

export function targetOf(sshd: Sshd, overrides: Partial<RemoteTarget> = {}): RemoteTarget {
  return {
    account: 'lb',
    instanceId: 'i-0123456789abcdef0',
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    keyFile: sshd.clientKeyFile,
    ...overrides,
  }
}

const tempDirs: string[] = []

/** A new temp folder, removed by `removeTempDirs`. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, {recursive: true, force: true})))
}

/** Connect options over a known_hosts file of its own, so tests never share pins. */
export async function freshOptions(overrides: Partial<ConnectOptions> = {}): Promise<ConnectOptions> {
  const dir = await tempDir('fleet-home-')
  return {knownHosts: new KnownHosts(join(dir, 'known_hosts')), connectTimeoutMs: 5000, ...overrides}
}

/** Pids of processes whose command line contains `marker` (pgrep never lists itself). */
export async function pidsMatching(marker: string): Promise<number[]> {
  try {
    const {stdout} = await run('pgrep', ['-f', marker])
    return stdout.trim().split('\n').map(Number)
  } catch (error) {
    if ((error as {code?: number}).code === 1) return []
    throw error
  }
}

/** Waits until no process matches `marker`; returns what still matches at the deadline. */
export async function waitUntilGone(marker: string, timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = await pidsMatching(marker)
    if (pids.length === 0 || Date.now() > deadline) return pids
    await sleep(100)
  }
}

export function uniqueMarker(name: string): string {
  return `fleet-${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
}

/** `sleep 30.<random digits>`: a command line no other process has, found by pgrep even after sh execs it. */
export function uniqueSleep(): string {
  return `sleep 30.${Math.random().toString().slice(2, 12)}`
}

/** The FleetError a promise rejects with (fails the test if it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<FleetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FleetError)
  return error as FleetError
}
