/**
 * Before the first step of an architecture: the target answers through the
 * LB. `up` has already checked every app server from the LB host (the
 * health check); this asks the very URL the load goes to, as the load
 * generator will, until it answers with anything but a gateway error.
 */
import {setTimeout as sleep} from 'node:timers/promises'

import {ExternalError, InterruptedError} from '../errors.js'
import {formatDuration} from '../util/duration.js'

export interface TargetWait {
  timeoutMs: number
  signal?: AbortSignal
  /** Between attempts (default 1 s). */
  intervalMs?: number
  onWait?: (why: string) => void
}

/** nginx's answers while its upstream is not there yet. */
const NOT_READY = new Set([502, 503, 504])
const ATTEMPT_MS = 5000

/** Resolves with the first status that is not a gateway error; throws after `timeoutMs`, naming the last answer. */
export async function waitForTarget(url: string, wait: TargetWait): Promise<number> {
  const deadline = Date.now() + wait.timeoutMs
  let last = 'no answer yet'
  for (;;) {
    if (wait.signal?.aborted) throw new InterruptedError('Interrupted', 'Interrupted while waiting for the target.')
    const answer = await ask(url, wait.signal)
    if (typeof answer === 'number' && !NOT_READY.has(answer)) return answer
    last = typeof answer === 'number' ? `HTTP ${answer}` : answer
    if (Date.now() + (wait.intervalMs ?? 1000) > deadline) break
    wait.onWait?.(last)
    await sleep(wait.intervalMs ?? 1000, undefined, {signal: wait.signal}).catch(() => undefined)
  }
  throw new ExternalError('TargetNotReady', `${url} did not answer after ${formatDuration(wait.timeoutMs)} (last: ${last}).`, {
    nextSteps: ['Check nginx and the app servers (`fleet upstream show`, `fleet logs --lb`), and that loadtest.url points at the load balancer.'],
  })
}

async function ask(url: string, signal: AbortSignal | undefined): Promise<number | string> {
  try {
    const timeout = AbortSignal.timeout(ATTEMPT_MS)
    const response = await fetch(url, {redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout})
    await response.body?.cancel()
    return response.status
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause
    return cause?.code ?? (error as Error).message
  }
}
