import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'

import createDebug from 'debug'

import {awsDeadlineSeconds} from '../deadline.js'
import {type CallSite, mapAwsError} from '../errors.js'
import type {Credentials} from '../session-cache.js'

/*
 * What every narrow port shares: the client settings and the one error
 * wrapper. A port (one file each, beside this one) lists only the calls
 * fleet makes, each through `call("service:Action", ...)`: the IAM policy
 * test reads those names, so a new call without its IAM action fails CI.
 */

export interface ClientContext {
  account: string
  accountId: string
  region: string
  credentials: Credentials
}

const debug = createDebug('fleet:aws')

let agents: {httpAgent: HttpAgent; httpsAgent: HttpsAgent} | undefined

/**
 * One pool of keep-alive connections for every client of the run: the
 * accounts of a region talk to the same endpoints, so they share sockets
 * (and TLS sessions) instead of opening their own. Idle sockets do not keep
 * the process alive. Clients built on it are never destroy()ed: that would
 * close the pool for the others.
 */
function sharedAgents() {
  agents ??= {httpAgent: new HttpAgent({keepAlive: true, maxSockets: 64}), httpsAgent: new HttpsAgent({keepAlive: true, maxSockets: 64})}
  return agents
}

/** The SDK's warnings (a request over its timeout, busy sockets) go to DEBUG=fleet:aws, never to the user. */
const sdkLogger = {trace() {}, debug() {}, info() {}, warn: (m: unknown) => debug('sdk: %s', m), error: (m: unknown) => debug('sdk: %s', m)}

/**
 * SDK settings shared by every client, the hub's STS included:
 * AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS and friends apply as usual. Every
 * request has a real deadline: a silent endpoint, or one that sends headers
 * and stalls, throws a TimeoutError, which the standard retry mode retries
 * like any transient fault (spec section 7).
 */
export function clientConfig(ctx: Pick<ClientContext, 'region' | 'credentials'>) {
  const deadlineMs = awsDeadlineSeconds() * 1000
  return {
    region: ctx.region,
    credentials: ctx.credentials,
    retryMode: 'standard',
    logger: sdkLogger,
    requestHandler: {
      connectionTimeout: Math.min(5000, deadlineMs),
      requestTimeout: deadlineMs,
      socketTimeout: deadlineMs,
      throwOnRequestTimeout: true,
      ...sharedAgents(),
    },
  } as const
}

/** The one error wrapper: an SDK error becomes a fleet error that says what and where. */
export function callerFor(ctx: Pick<ClientContext, 'account' | 'accountId' | 'region'>) {
  return async <T>(action: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      const site: CallSite = {account: ctx.account, accountId: ctx.accountId, region: ctx.region, action}
      throw mapAwsError(error, site)
    }
  }
}

export function errorName(error: unknown): string {
  return (error as {name?: string})?.name ?? ''
}
