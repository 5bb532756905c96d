/**
 * The in-process engine (`--engine autocannon`, the default): one step on
 * autocannon's programmatic API. One autocannon connection is one virtual
 * user with its own kept-alive connection; think time is src/loadtest/
 * think-time.ts. Warm-up and the measured part are one autocannon run, so the
 * users and their connections carry on from one into the other: responses
 * are counted from the end of the warm-up, by their arrival time.
 *
 * Pinned (src/loadtest/pin.ts): autocannon connects to the step's address,
 * with the URL's host in `Host` and as the TLS server name. autocannon 9
 * connects with `rejectUnauthorized: false` whatever it is given, so each TLS
 * connection is checked here once its handshake is done (before any request
 * leaves it: Node holds writes until then) against the URL's host name and
 * the trusted CAs (NODE_EXTRA_CA_CERTS adds a private one); a certificate
 * that fails ends the step with an error, and no request is sent on it.
 */
import type {TLSSocket} from 'node:tls'

import autocannon from 'autocannon'

import {UsageError} from '../errors.js'

import {LatencyRecorder} from './latency.js'
import {connectUrl, identityCheck, type PinnedTarget, pinnedAddress, pinTarget, serverName} from './pin.js'
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
  const pin = pinTarget(step.url, step.address)
  let refused: Error | null = null
  const refuse = (error: Error) => {
    refused ??= error
    abort()
  }
  const {instance, finished} = start(step, pin, options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS, clients, refuse)
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (Date.now() < measuredFrom) return
    counters.latencies.record(responseTime)
    if (statusCode < 200 || statusCode > 299) counters.non2xx++
  })
  instance.on('reqError', () => {
    if (Date.now() >= measuredFrom) counters.errors++
  })
  let aborted = false
  function abort() {
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
  if (refused) throw certificateRefused(pin, refused)
  return resultOf(counters, measuredFrom, Date.now(), aborted)
}

/** One autocannon run over warm-up + step: `users` connections to the pinned address, each thinking. */
function start(step: StepSpec, pin: PinnedTarget, timeoutMs: number, clients: ThinkingClient[], refuse: (error: Error) => void): {instance: autocannon.Instance; finished: Promise<void>} {
  let done: (error?: unknown) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => (done = (error) => (error ? reject(error) : resolve())))
  const think = thinkTime(step.thinkMs, clients)
  const verify = pin.secure ? verifiedTls(pin, refuse) : () => {}
  const instance = autocannon(
    {
      url: connectUrl(pin),
      headers: {host: pin.hostHeader},
      ...(pin.secure ? {servername: serverName(pin), tlsOptions: {checkServerIdentity: identityCheck(pin)}} : {}),
      connections: step.users,
      duration: ((step.warmupMs ?? 0) + step.durationMs) / 1000,
      // The client's timer runs from its last send, through the think.
      timeout: (timeoutMs + step.thinkMs) / 1000,
      sampleInt: SAMPLE_MS,
      skipAggregateResult: true,
      setupClient: ((client: ThinkingClient & TlsClient) => {
        verify(client)
        think(client)
      }) as unknown as (client: autocannon.Client) => void,
    },
    (error) => done(error),
  )
  return {instance, finished}
}

/** What the TLS check needs of autocannon's Client (lib/httpClient.js): its connect step and its socket. */
interface TlsClient {
  _connect: () => void
  conn: TLSSocket
}

/**
 * Wraps the client's connect step: once each TLS handshake is done, the
 * socket must be authorized (its chain trusted, `identityCheck` passed), else
 * the step is refused. Node emits `secureConnect` before it writes what the
 * client queued, so a refused connection carries no request.
 */
function verifiedTls(pin: PinnedTarget, refuse: (error: Error) => void): (client: TlsClient) => void {
  return (client) => {
    const connect = client._connect.bind(client)
    client._connect = () => {
      connect()
      const socket = client.conn
      socket.once('secureConnect', () => {
        if (socket.authorized) return
        socket.destroy()
        refuse(new Error(String(socket.authorizationError ?? 'unauthorized')))
      })
    }
  }
}

function certificateRefused(pin: PinnedTarget, error: Error): UsageError {
  return new UsageError('TargetCertificate', `The certificate at ${pinnedAddress(pin)} is not valid for ${pin.hostname} (${error.message}): the step was stopped before any request.`, {
    nextSteps: ['Check that loadtest.url names the site whose certificate nginx serves; a private CA is trusted with NODE_EXTRA_CA_CERTS=<its PEM file>.'],
  })
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
