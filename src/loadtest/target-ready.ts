/**
 * Before the first step of an architecture: the fleet's nginx answers, at
 * the address the load will go to (src/loadtest/pin.ts), with the URL's Host
 * and TLS name. `up` has already checked every app server from the LB host
 * (its health check); this asks through the LB itself, as the load will:
 *
 * - with `apps.health`, that path through the LB until it answers 2xx (a
 *   4xx there means nginx did not pass it to the upstream: a Host that no
 *   `server_name` matches is answered by nginx's default server);
 * - without it, the URL's own path until it answers neither a redirect nor
 *   a 5xx.
 *
 * The URL's path is asked each time too: a redirect there stops the run
 * (src/loadtest/target-redirect.ts), as does a certificate not valid for
 * the URL's name. Waiting fixes neither.
 */
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExternalError, InterruptedError, UsageError} from '../errors.js'
import {formatDuration} from '../util/duration.js'
import {isCertificateError, type PinnedTarget, pinnedAddress, requestOptions} from './pin.js'
import {REDIRECTS, redirectError} from './target-redirect.js'

/**
 * What the target answered that no other architecture would change (the
 * same URL, the same nginx config): the run stops there, before `up` changes
 * anything more.
 */
const RUN_STOPPERS = new Set(['TargetRedirects', 'TargetCertificate', 'TargetNotThroughUpstream', 'EmulatedTarget'])

export function stopsRun(error: {code: string}): boolean {
  return RUN_STOPPERS.has(error.code)
}

export interface TargetWait {
  timeoutMs: number
  signal?: AbortSignal
  /** Between attempts (default 1 s). */
  intervalMs?: number
  onWait?: (why: string) => void
  /** `apps.health`: asked through the LB, 2xx required. */
  healthPath?: string
  /** `--down` was given (for what a stopped run says about the fleet). */
  down?: boolean
}

export interface TargetReady {
  /** The path whose answer made it ready (`apps.health` or the URL's). */
  path: string
  status: number
}

/** One answer: the status and Location, or why there was none (an error code). */
export type Answer = {status: number; location: string | null} | {error: string}

const ATTEMPT_MS = 5000

/** Resolves once ready; throws at once for a redirect or a bad certificate, and after `timeoutMs` naming the last answer. */
export async function waitForTarget(pin: PinnedTarget, wait: TargetWait): Promise<TargetReady> {
  const deadline = Date.now() + wait.timeoutMs
  let last = 'no answer yet'
  for (;;) {
    if (wait.signal?.aborted) throw interrupted()
    const ready = await attempt(pin, wait)
    if (typeof ready !== 'string') return ready
    last = ready
    if (Date.now() + (wait.intervalMs ?? 1000) > deadline) break
    wait.onWait?.(last)
    await sleep(wait.intervalMs ?? 1000, undefined, {signal: wait.signal}).catch(() => undefined)
  }
  throw new ExternalError('TargetNotReady', `${pin.url} (at ${pinnedAddress(pin)}) did not answer after ${formatDuration(wait.timeoutMs)} (last: ${last}).`, {
    nextSteps: ['Check nginx and the app servers (`fleet upstream show`, `fleet logs --lb`), and that nginx serves loadtest.url\'s host name and port.'],
  })
}

/** One round: ready, or why not (a string); throws what waiting cannot fix. */
async function attempt(pin: PinnedTarget, wait: TargetWait): Promise<TargetReady | string> {
  const target = await ask(pin, pin.path, wait.signal)
  refuse(pin, pin.path, target, wait)
  if (wait.healthPath !== undefined) {
    const health = wait.healthPath === pin.path ? target : await ask(pin, wait.healthPath, wait.signal)
    refuse(pin, wait.healthPath, health, wait)
    if ('error' in health) return `${wait.healthPath}: ${health.error}`
    if (health.status >= 200 && health.status < 300) return {path: wait.healthPath, status: health.status}
    if (health.status >= 400 && health.status < 500) throw notThroughUpstream(pin, wait.healthPath, health.status)
    return `${wait.healthPath}: HTTP ${health.status}`
  }
  if ('error' in target) return target.error
  if (target.status < 500) return {path: pin.path, status: target.status}
  return `HTTP ${target.status}`
}

function refuse(pin: PinnedTarget, path: string, answer: Answer, wait: TargetWait): void {
  if ('error' in answer) {
    if (isCertificateError(answer.error)) throw certificateError(pin, answer.error)
    return
  }
  if (REDIRECTS.has(answer.status)) throw redirectError({url: urlOf(pin, path), at: pinnedAddress(pin), status: answer.status, location: answer.location, down: wait.down ?? false})
}

function urlOf(pin: PinnedTarget, path: string): string {
  return new URL(path, pin.url).href
}

function certificateError(pin: PinnedTarget, code: string): UsageError {
  return new UsageError('TargetCertificate', `The certificate at ${pinnedAddress(pin)} is not valid for ${pin.hostname} (${code}): fleet sends no load to it. The run stopped before its first step.`, {
    nextSteps: [
      'Check that loadtest.url names the site whose certificate nginx serves.',
      'A private CA is trusted with NODE_EXTRA_CA_CERTS=<its PEM file> in fleet\'s environment.',
    ],
  })
}

function notThroughUpstream(pin: PinnedTarget, path: string, status: number): UsageError {
  return new UsageError(
    'TargetNotThroughUpstream',
    `${urlOf(pin, path)} through the LB (${pinnedAddress(pin)}) answered ${status}, while \`up\`'s health check found the app servers healthy from the LB host: nginx did not pass it to its upstream. The run stopped before its first step.`,
    {nextSteps: [`nginx answers a Host that no server_name matches from its default server: check that ${pin.hostname} is a server_name of the server that proxies to the upstream, or set loadtest.url to one that is.`]},
  )
}

function interrupted(): InterruptedError {
  return new InterruptedError('Interrupted', 'Interrupted while waiting for the target.')
}

/** One GET on a fresh connection to the pinned address; the body is not read. */
export function ask(pin: PinnedTarget, path: string, signal?: AbortSignal): Promise<Answer> {
  const timeout = AbortSignal.timeout(ATTEMPT_MS)
  const request = pin.secure ? httpsRequest : httpRequest
  return new Promise((resolve) => {
    const req = request({...requestOptions(pin, path), signal: signal ? AbortSignal.any([signal, timeout]) : timeout}, (res) => {
      resolve({status: res.statusCode ?? 0, location: res.headers.location ?? null})
      res.destroy()
    })
    // Kept for the whole request: destroying the answer may still end the request with an error.
    req.on('error', (error: NodeJS.ErrnoException) => resolve({error: timeout.aborted && !signal?.aborted ? `no answer within ${formatDuration(ATTEMPT_MS)}` : (error.code ?? error.message)}))
    req.end()
  })
}
