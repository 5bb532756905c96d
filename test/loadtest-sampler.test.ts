/**
 * Host sampling and the nginx alert check against the real local sshd: the
 * "host" is this machine, so the test reads the same /proc/stat itself and
 * compares.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, test, vi} from 'vitest'

import {alertCheckCommand, matchWorkerConnectionAlerts} from '../src/loadtest/nginx-alerts.js'
import {startHostSampler} from '../src/loadtest/host-sampler.js'
import {busyPct, parseCpuLine} from '../src/loadtest/proc-stat.js'
import {connect} from '../src/remote/connect.js'
import type {RemoteShell} from '../src/remote/types.js'
import {type Sshd, startSshd} from './harness/sshd.js'
import {freshOptions, removeTempDirs, targetOf, tempDir, waitUntilGone} from './remote/helpers.js'

let sshd: Sshd
let sh: RemoteShell
let busy: ChildProcess | undefined

beforeAll(async () => {
  sshd = await startSshd()
  sh = await connect(targetOf(sshd), await freshOptions())
}, 30_000)

afterAll(async () => {
  busy?.kill()
  await sh?.dispose()
  await sshd?.dispose()
  await removeTempDirs()
})

async function localCpu() {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!
  return parseCpuLine(line)!.times
}

describe('sampling a host over its open SSH session', () => {
  test('CPU busy % from the real /proc/stat, once a second, and the loop ends on stop', async () => {
    const sampler = startHostSampler(sh)
    // The window starts once a sample bounds it from below.
    await vi.waitFor(() => expect(sampler.samples().length, `the first sample (loop error: ${sampler.error()?.message})`).toBeGreaterThanOrEqual(1), {timeout: 10_000, interval: 20})
    const from = Date.now()
    const before = await localCpu()
    // One core kept busy for 2.5 seconds: the window ends when that process does.
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 2500; while (Date.now() < end) {}'], {stdio: 'ignore'})
    busy = child
    await new Promise((resolve) => child.once('exit', resolve))
    const after = await localCpu()
    const to = Date.now()
    // ... and a sample at or after its end bounds it from above; four samples in all.
    await vi.waitFor(
      () => {
        const got = sampler.samples()
        expect(got.at(-1)!.at, `a sample after the window (loop error: ${sampler.error()?.message})`).toBeGreaterThanOrEqual(to)
        expect(got.length).toBeGreaterThanOrEqual(4)
      },
      {timeout: 10_000, interval: 20},
    )
    const samples = await sampler.stop()

    expect(sampler.error()).toBeNull()
    expect(samples.length).toBeGreaterThanOrEqual(4)
    const gaps = samples.slice(1).map((s, i) => s.at - samples[i]!.at)
    expect(Math.min(...gaps)).toBeGreaterThan(500)
    const summary = sampler.summary({from, to})
    const local = busyPct(before, after)!
    console.log(`sampled CPU over the busy window: ${summary.cpu}% (read here: ${local.toFixed(1)}%), busiest core ${summary.cpuMaxCore}%, ${summary.samples} samples`)
    expect(summary.cpu).not.toBeNull()
    // The samples bound the window, so they cover up to a second more on each side.
    expect(Math.abs(summary.cpu! - local)).toBeLessThan(25)
    expect(summary.cpu!).toBeGreaterThan(30)
    // The busiest core is at least the average (give or take the kernel's rounding of the `cpu` line).
    expect(summary.cpuMaxCore!).toBeGreaterThanOrEqual(summary.cpu! - 2)
    expect(summary.bytes).toBeGreaterThanOrEqual(0)
    // Loopback carries the SSH session itself: present in the samples, left out of the bytes.
    expect(samples.at(-1)!.net.lo!).toBeGreaterThan(samples[0]!.net.lo!)
    expect(await waitUntilGone('@fleet-sample-end')).toEqual([])
  })

  test('a loop that cannot run is reported, with the samples before it kept', async () => {
    const broken = startHostSampler({...sh, target: sh.target, stream: (_command, options) => sh.stream('echo @fleet-sample; echo "cpu  1 2 3 4"; echo @fleet-sample-end; exit 3', options)} as RemoteShell)
    // The loop has ended by itself (not stopped) once the sampler reports it.
    await vi.waitFor(() => expect(broken.error()).not.toBeNull(), {timeout: 10_000, interval: 20})
    const samples = await broken.stop()
    expect(samples).toHaveLength(1)
    expect(broken.error()?.message).toBe('the sampling loop on lb ended with 3')
  })
})

describe("nginx's error log", () => {
  test('the check command finds the step\'s worker_connections alerts on the host', async () => {
    const dir = await tempDir('fleet-nginx-log-')
    const errorLog = join(dir, 'error.log')
    const accessLog = join(dir, 'access.log')
    const since = new Date(Date.UTC(2026, 10, 30, 7, 10, 0))
    await writeFile(
      errorLog,
      [
        '2026/11/30 07:05:12 [alert] 31#31: 1024 worker_connections are not enough',
        '2026/11/30 07:10:04 [alert] 31#31: *977 1024 worker_connections are not enough while connecting to upstream, client: 127.0.0.1',
        '2026/11/30 07:10:05 [error] 31#31: *978 connect() failed (111: Connection refused)',
        '',
      ].join('\n'),
    )
    await writeFile(accessLog, '127.0.0.1 - - [30/Nov/2026:07:10:04 +0000] "GET / HTTP/1.1" 200 12\n'.repeat(50))
    const result = await sh.execOrThrow(alertCheckCommand(`tail -n 200 {follow} ${dir}/*.log`, since))
    const lines = result.stdout.split('\n')
    expect(lines.filter(Boolean)).toHaveLength(2)
    expect(matchWorkerConnectionAlerts(lines, since)).toEqual({
      count: 1,
      first: '2026/11/30 07:10:04 [alert] 31#31: *977 1024 worker_connections are not enough while connecting to upstream, client: 127.0.0.1',
    })
  })

  test('no alert, or no log at all, is no failure', async () => {
    const dir = await tempDir('fleet-nginx-log-')
    const result = await sh.execOrThrow(alertCheckCommand(`tail -n 200 {follow} ${dir}/missing.log`, new Date()))
    expect(matchWorkerConnectionAlerts(result.stdout.split('\n'), new Date(0))).toEqual({count: 0, first: null})
  })
})
