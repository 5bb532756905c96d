/**
 * The Artillery test script of one step (pure). Artillery's model is
 * arrivals, not a fixed crowd: a fixed number of users is one phase where
 * exactly `users` virtual users arrive (`arrivalCount`), spread over one
 * think period as the in-process engine spreads its first requests, and each
 * of them loops `get, think` until the step is over. Each Artillery VU has
 * its own agent with one kept-alive socket.
 *
 * The loop ends through a small processor (`whileTrue`): when the step's time
 * is up (counted from the first user's first request, so Artillery's start-up
 * is not part of it), or as soon as the stop file exists (the engine creates
 * it on abort: Artillery then ends normally and still writes its report; a
 * SIGINT would lose it).
 *
 * Artillery reads a numeric `think` as seconds, but only whole ones: `0.5`
 * goes through `ms(0.5)` and becomes no wait at all (artillery 2.0.34,
 * engine_util createThink). Think is therefore always written as `"<n>ms"`.
 *
 * Pinned (src/loadtest/pin.ts): the script's target is the step's address
 * (`https://54.180.12.7:443`), and every request carries the URL's host in
 * `Host`. Node's https agent, which Artillery's got uses, sends that name as
 * the TLS server name and checks the certificate against it (artillery
 * 2.0.34); Artillery never looks a name up. Redirects are not followed: a
 * Location naming a host would be looked up in DNS.
 */
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'
import {connectUrl, pinTarget} from './pin.js'
import type {StepSpec} from './types.js'

export const PROCESSOR_FILE = 'fleet-processor.cjs'
export const KEEP_GOING = 'fleetKeepGoing'

export interface ArtilleryScriptOptions {
  /** How long one phase lasts (the measured step, or its warm-up). */
  runMs: number
  /** The stop file the processor watches. */
  stopFile: string
  /** Request timeout, s (Artillery's `http.timeout`; default 10, as autocannon's). */
  timeoutSeconds?: number
}

/** The script, as an object: written as JSON, which Artillery's YAML reader takes. */
export function artilleryScript(step: Pick<StepSpec, 'url' | 'address' | 'users' | 'thinkMs'>, options: ArtilleryScriptOptions): Record<string, unknown> {
  const pin = pinTarget(step.url, step.address)
  // With an IP address in Host, Node checks the certificate against the address connected to instead.
  if (pin.secure && isIP(pin.hostname) && pin.hostname !== pin.ip) {
    throw new UsageError('EngineCannotPin', `--engine artillery cannot check the certificate of ${step.url} against ${pin.hostname} while it connects to ${pin.ip}.`, {
      nextSteps: ['Name the site by its host name in loadtest.url, or use --engine autocannon.'],
    })
  }
  const spreadSeconds = Math.max(1, Math.ceil(step.thinkMs / 1000))
  const loop: unknown[] = [{get: {url: pin.path, headers: {host: pin.hostHeader}, followRedirect: false}}]
  if (step.thinkMs > 0) loop.push({think: `${Math.round(step.thinkMs)}ms`})
  return {
    config: {
      target: new URL(connectUrl(pin)).origin,
      processor: `./${PROCESSOR_FILE}`,
      phases: [{name: `${step.users} users`, duration: spreadSeconds, arrivalCount: step.users}],
      http: {timeout: options.timeoutSeconds ?? 10},
    },
    scenarios: [{name: 'fleet loadtest', flow: [{loop, whileTrue: KEEP_GOING}]}],
  }
}

/**
 * The processor module: `fleetKeepGoing` says whether a user loops again.
 * The stop file is looked at no more than every 100 ms per worker.
 */
export function artilleryProcessor(options: ArtilleryScriptOptions): string {
  return `'use strict'
// Written by fleet loadtest for one step.
const {existsSync} = require('node:fs')
const RUN_MS = ${JSON.stringify(Math.round(options.runMs))}
const STOP_FILE = ${JSON.stringify(options.stopFile)}
let endAt
let checkedAt = 0
let stopped = false
function ${KEEP_GOING}(context, next) {
  const now = Date.now()
  if (endAt === undefined) endAt = now + RUN_MS
  if (!stopped && now - checkedAt >= 100) {
    checkedAt = now
    stopped = existsSync(STOP_FILE)
  }
  next(!stopped && now < endAt)
}
module.exports = {${KEEP_GOING}}
`
}
