/**
 * `--engine artillery` with a real `artillery run` against a local node:http
 * server that counts what it receives. scripts/setup.sh installs Artillery
 * into ~/.cache/fleet-artillery (it is not a dependency of fleet); where it is
 * missing, the real runs are skipped under a name that says so, and the
 * parser is still tested on real reports (src/loadtest/artillery-report.test.ts).
 */
import {type Server, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, beforeEach, describe, expect, test} from 'vitest'

import {runArtilleryStep} from '../src/loadtest/engine-artillery.js'
import {installedArtillery} from './harness/artillery.ts'

const artillery = installedArtillery()
const real = artillery ? `with the real Artillery (${artillery})` : 'SKIPPED: Artillery is not installed here (scripts/setup.sh installs it)'

interface Hit {
  socket: string
  at: number
}

let server: Server
let url: string
let hits: Hit[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({socket: `${req.socket.remotePort}`, at: Date.now()})
    res.writeHead(hits.length % 20 === 0 ? 502 : 200, {'content-type': 'text/plain'}).end('ok\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slots`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(async () => {
  await sleep(100)
  hits = []
})

function minGapPerSocket(list: Hit[]): number {
  const last = new Map<string, number>()
  let min = Infinity
  for (const hit of list) {
    const before = last.get(hit.socket)
    if (before !== undefined) min = Math.min(min, hit.at - before)
    last.set(hit.socket, hit.at)
  }
  return min
}

// Each test takes 5-15 s: Artillery is a Node application of its own that
// takes a few seconds to start, and the steps run for seconds by design.
describe.skipIf(!artillery && !process.env.CI)(real, () => {
  const command = [artillery!]

  test('a fixed crowd with think time after a warm-up: the rate, the counts, one connection per user', async () => {
    const result = await runArtilleryStep({url, users: 10, thinkMs: 200, durationMs: 3000, warmupMs: 1000}, {command})
    // 10 users / 0.2 s = 50 RPS.
    expect(result.rps).toBeGreaterThan(50 * 0.65)
    expect(result.rps).toBeLessThan(50 * 1.35)
    // The warm-up is a run of its own, before the measured window, and is not counted.
    const measured = hits.filter((h) => h.at >= result.measuredFrom - 50 && h.at <= result.measuredTo + 50)
    expect(hits.length).toBeGreaterThan(measured.length + 20)
    expect(Math.abs(result.requests - measured.length)).toBeLessThanOrEqual(2)
    expect(result.errors).toBe(0)
    expect(result.non2xx).toBeGreaterThan(0)
    expect(result.latencyMs.p50).not.toBeNull()
    expect(result.latencyMs.p99!).toBeGreaterThanOrEqual(result.latencyMs.p50!)
    expect(new Set(measured.map((h) => h.socket)).size).toBe(10)
    expect(minGapPerSocket(measured)).toBeGreaterThanOrEqual(190)
    expect(result.aborted).toBe(false)
  }, 60_000)

  test('aborting stops the load, and Artillery still writes its report', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    // Abort one second after the first request arrives (Artillery takes a few seconds to start).
    const watch = setInterval(() => {
      if (hits.length > 0) {
        clearInterval(watch)
        setTimeout(() => {
          abortedAt = Date.now()
          controller.abort()
        }, 1000)
      }
    }, 20)
    const running = runArtilleryStep({url, users: 5, thinkMs: 100, durationMs: 60_000, signal: controller.signal}, {command})
    const result = await running.finally(() => clearInterval(watch))
    // Users stop within one think; Artillery then ends and writes its report, long before the step's 60 s.
    expect(Date.now() - abortedAt).toBeLessThan(20_000)
    expect(result.aborted).toBe(true)
    // No user starts another request once it has seen the stop (its think plus the 100 ms file check; generous on a busy machine).
    expect(hits.filter((h) => h.at > abortedAt + 3000)).toEqual([])
    expect(result.requests).toBeGreaterThan(20)
    expect(result.measuredTo - result.measuredFrom).toBeLessThan(10_000)
    const seen = hits.length
    await sleep(300)
    expect(hits.length).toBe(seen)
  }, 60_000)
})

test('a missing Artillery is an external error that says how to get it', async () => {
  const error = await runArtilleryStep({url, users: 1, thinkMs: 0, durationMs: 500}, {command: ['/nonexistent/artillery']}).catch((e: unknown) => e)
  expect(error).toMatchObject({code: 'ArtilleryMissing', exitCode: 3})
  expect((error as {nextSteps: string[]}).nextSteps.join(' ')).toContain('npm install -g artillery')
})
