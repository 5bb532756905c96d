/**
 * The in-process engine (`--engine autocannon`, the default): one step on
 * autocannon's programmatic API. One autocannon connection is one virtual
 * user with its own kept-alive connection; think time is src/loadtest/
 * think-time.ts. Warm-up and the measured part are one autocannon run, so the
 * users and their connections carry on from one into the other: responses
 * are counted from the end of the warm-up, by their arrival time.
 */
import autocannon from 'autocannon'

import {LatencyRecorder} from './latency.js'
import {checkStep} from './step.js'
import {type ThinkingClient, thinkTime} from './think-time.js'
import type {LoadEngine, StepResult, StepSpec} from './types.js'

export interface AutocannonEngineOptions {
  /** A request with no answer after this long counts as an error (default 10 s, autocannon's). */
  requestTimeoutMs?: number
}

/**
 * autocannon checks its stop flag on each sample tick: 100 ms (not its
 * default 1 s) so that a step ends close to its duration and an abort returns
 * quickly. Its per-tick request histogram is not used here.
 */
const SAMPLE_MS = 100
const DEFAULT_TIMEOUT_MS = 10_000

/** The in-process engine. */
export function autocannonEngine(options: AutocannonEngineOptions = {}): LoadEngine {
  return (step) => runAutocannonStep(step, options)
}

interface Counters {
  latencies: LatencyRecorder
  errors: number
  non2xx: number
  cpuFrom: NodeJS.CpuUsage | null
}

/** Runs one step; resolves with what was measured, also when `step.signal` aborted it. */
export async function runAutocannonStep(step: StepSpec, options: AutocannonEngineOptions = {}): Promise<StepResult> {
  checkStep(step)
  const warmupMs = step.warmupMs ?? 0
  if (step.signal?.aborted) return emptyResult(Date.now())

  const clients: ThinkingClient[] = []
  const measuredFrom = Date.now() + warmupMs
  const counters: Counters = {latencies: new LatencyRecorder(), errors: 0, non2xx: 0, cpuFrom: warmupMs > 0 ? null : process.cpuUsage()}
  const cpuMark = warmupMs > 0 ? setTimeout(() => (counters.cpuFrom = process.cpuUsage()), warmupMs) : undefined
  const {instance, finished} = start(step, options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS, clients)
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (Date.now() < measuredFrom) return
    counters.latencies.record(responseTime)
    if (statusCode < 200 || statusCode > 299) counters.non2xx++
  })
  instance.on('reqError', () => {
    if (Date.now() >= measuredFrom) counters.errors++
  })
  let aborted = false
  const abort = () => {
    aborted = true
    instance.stop()
    // stop() is only seen at the next tick: closing the connections stops the load now.
    for (const client of clients) client.destroy()
  }
  step.signal?.addEventListener('abort', abort, {once: true})
  try {
    await finished
  } finally {
    step.signal?.removeEventListener('abort', abort)
    clearTimeout(cpuMark)
  }
  return resultOf(counters, measuredFrom, Date.now(), aborted)
}

/** One autocannon run over warm-up + step: `users` connections, each thinking. */
function start(step: StepSpec, timeoutMs: number, clients: ThinkingClient[]): {instance: autocannon.Instance; finished: Promise<void>} {
  let done: (error?: unknown) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => (done = (error) => (error ? reject(error) : resolve())))
  const instance = autocannon(
    {
      url: step.url,
      connections: step.users,
      duration: ((step.warmupMs ?? 0) + step.durationMs) / 1000,
      // The client's timer runs from its last send, through the think.
      timeout: (timeoutMs + step.thinkMs) / 1000,
      sampleInt: SAMPLE_MS,
      skipAggregateResult: true,
      setupClient: thinkTime(step.thinkMs, clients) as unknown as (client: autocannon.Client) => void,
    },
    (error) => done(error),
  )
  return {instance, finished}
}

function resultOf(counters: Counters, measuredFrom: number, end: number, aborted: boolean): StepResult {
  const measuredTo = Math.max(measuredFrom, end)
  const seconds = (measuredTo - measuredFrom) / 1000
  const requests = counters.latencies.count
  const result: StepResult = {
    rps: seconds > 0 ? Math.round((requests / seconds) * 10) / 10 : 0,
    latencyMs: counters.latencies.percentiles(),
    errors: counters.errors,
    non2xx: counters.non2xx,
    requests,
    measuredFrom,
    measuredTo,
    aborted,
  }
  if (counters.cpuFrom && seconds > 0) {
    const used = process.cpuUsage(counters.cpuFrom)
    result.generatorCpu = Math.round(((used.user + used.system) / 1000 / (seconds * 1000)) * 1000) / 10
  }
  return result
}

function emptyResult(now: number): StepResult {
  return {rps: 0, latencyMs: {p50: null, p95: null, p99: null}, errors: 0, non2xx: 0, requests: 0, measuredFrom: now, measuredTo: now, aborted: true}
}
