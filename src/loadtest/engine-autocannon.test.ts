/**
 * The in-process engine against a real node:http server on 127.0.0.1. The
 * server counts what it receives, per connection: rates are checked with a
 * generous tolerance, not timed to the millisecond.
 */
import {type Server, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, beforeEach, describe, expect, test} from 'vitest'

import {runAutocannonStep} from './engine-autocannon.js'
import {LatencyRecorder} from './latency.js'

interface Hit {
  socket: string
  at: number
}

let server: Server
let url: string
let hits: Hit[] = []
/** Every `failEvery`-th request answers 503; each answer waits `delayMs`. */
const behaviour = {failEvery: 0, delayMs: 0}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push({socket: `${req.socket.remotePort}`, at: Date.now()})
    const status = behaviour.failEvery > 0 && hits.length % behaviour.failEvery === 0 ? 503 : 200
    const answer = () => res.writeHead(status, {'content-type': 'text/plain'}).end('ok\n')
    if (behaviour.delayMs > 0) setTimeout(answer, behaviour.delayMs)
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(async () => {
  // Requests already written by the last test's connections when they were closed may still arrive.
  await sleep(100)
  hits = []
  behaviour.failEvery = 0
  behaviour.delayMs = 0
})

/** Per connection, the gaps between consecutive requests. */
function gapsPerSocket(list: Hit[]): number[] {
  const last = new Map<string, number>()
  const gaps: number[] = []
  for (const hit of list) {
    const before = last.get(hit.socket)
    if (before !== undefined) gaps.push(hit.at - before)
    last.set(hit.socket, hit.at)
  }
  return gaps
}

describe('think 0: as fast as the users can', () => {
  test('counts responses, non-2xx and latency percentiles over the measured window', async () => {
    behaviour.failEvery = 10
    const result = await runAutocannonStep({url, users: 4, thinkMs: 0, durationMs: 1000})
    expect(result.aborted).toBe(false)
    expect(result.requests).toBeGreaterThan(200)
    // Every request the server saw is a response counted (no warm-up here), give or take those in flight.
    expect(Math.abs(hits.length - result.requests)).toBeLessThanOrEqual(4)
    expect(result.non2xx / result.requests).toBeCloseTo(0.1, 1)
    expect(result.errors).toBe(0)
    expect(result.rps).toBeGreaterThan(100)
    const {p50, p95, p99} = result.latencyMs
    expect(p50).not.toBeNull()
    expect(p50!).toBeLessThanOrEqual(p95!)
    expect(p95!).toBeLessThanOrEqual(p99!)
    // One kept-alive connection per user.
    expect(new Set(hits.map((h) => h.socket)).size).toBe(4)
    expect(result.measuredTo - result.measuredFrom).toBeGreaterThanOrEqual(1000)
    expect(result.generatorCpu).toBeGreaterThan(0)
  })
})

describe('think time, as a Locust user with a fixed wait', () => {
  test('each user waits think after each response, on its own connection; warm-up is not counted', async () => {
    const result = await runAutocannonStep({url, users: 20, thinkMs: 300, durationMs: 2000, warmupMs: 600})
    // Expected: 20 users / 0.3 s = ~67 RPS (the server answers in about a millisecond).
    expect(result.rps).toBeGreaterThan(67 * 0.6)
    expect(result.rps).toBeLessThan(67 * 1.3)
    // The server also saw the warm-up: about 2.6 s of load in all.
    expect(hits.length).toBeGreaterThan(result.requests)
    expect(hits.length).toBeGreaterThan(20 * (2.6 / 0.3) * 0.7)
    expect(hits.length).toBeLessThan(20 * (2.6 / 0.3) * 1.3)
    expect(new Set(hits.map((h) => h.socket)).size).toBe(20)
    // No user ever sends before its think is over.
    expect(Math.min(...gapsPerSocket(hits))).toBeGreaterThanOrEqual(290)
  })

  test('a think of 1.5 s (not a whole number of requests per second) is kept', async () => {
    const result = await runAutocannonStep({url, users: 10, thinkMs: 1500, durationMs: 3000})
    // Each user: a first request within the first 1.5 s, then one every 1.5 s: about 2 in 3 s.
    expect(hits.length).toBeGreaterThanOrEqual(10)
    expect(hits.length).toBeLessThanOrEqual(30)
    expect(Math.min(...gapsPerSocket(hits))).toBeGreaterThanOrEqual(1450)
    expect(result.rps).toBeGreaterThan(2)
    expect(result.rps).toBeLessThan(10)
  })

  test('a closed loop: a slower server gets fewer requests (think + response time per request)', async () => {
    behaviour.delayMs = 200
    const result = await runAutocannonStep({url, users: 10, thinkMs: 200, durationMs: 2000, warmupMs: 400})
    // 10 users / (0.2 s think + 0.2 s answer) = 25 RPS, not the 50 an open loop would send.
    expect(result.rps).toBeGreaterThan(25 * 0.6)
    expect(result.rps).toBeLessThan(25 * 1.3)
    expect(result.latencyMs.p50!).toBeGreaterThanOrEqual(195)
  })
})

describe('abort and errors', () => {
  test('aborting stops the load at once and returns what was measured', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 700)
    const result = await runAutocannonStep({url, users: 5, thinkMs: 0, durationMs: 30_000, warmupMs: 200, signal: controller.signal})
    expect(Date.now() - started).toBeLessThan(3000)
    expect(result.aborted).toBe(true)
    expect(result.requests).toBeGreaterThan(0)
    expect(result.rps).toBeGreaterThan(0)
    // Requests already written when the connections closed may still be read by the server (one per user at most)...
    const atReturn = hits.length
    await sleep(200)
    expect(hits.length - atReturn).toBeLessThanOrEqual(5)
    // ...and then nothing more comes.
    const seen = hits.length
    await sleep(300)
    expect(hits.length).toBe(seen)
  })

  test('an already aborted signal runs nothing', async () => {
    const result = await runAutocannonStep({url, users: 5, thinkMs: 0, durationMs: 1000, signal: AbortSignal.abort()})
    expect(result).toMatchObject({aborted: true, requests: 0, rps: 0})
    expect(hits).toHaveLength(0)
  })

  test('a target that refuses connections: errors, no responses', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const result = await runAutocannonStep({url: `http://127.0.0.1:${port}/`, users: 2, thinkMs: 100, durationMs: 500})
    expect(result.requests).toBe(0)
    expect(result.errors).toBeGreaterThan(0)
    expect(result.latencyMs).toEqual({p50: null, p95: null, p99: null})
  })

  test('a step no engine can run is a usage error', async () => {
    await expect(runAutocannonStep({url, users: 0, thinkMs: 0, durationMs: 1000})).rejects.toMatchObject({code: 'BadLoadStep', exitCode: 2})
    await expect(runAutocannonStep({url: 'ftp://x/', users: 1, thinkMs: 0, durationMs: 1000})).rejects.toMatchObject({code: 'BadLoadStep'})
  })
})

test('latency percentiles are nearest-rank', () => {
  const recorder = new LatencyRecorder()
  expect(recorder.percentiles()).toEqual({p50: null, p95: null, p99: null})
  for (let i = 2000; i >= 1; i--) recorder.record(i / 10)
  expect(recorder.count).toBe(2000)
  expect(recorder.percentiles()).toEqual({p50: 100, p95: 190, p99: 198})
})
