/**
 * The readiness check against real node:http(s) servers on 127.0.0.1, asked
 * through a pin: the URL names a host no resolver here knows
 * (parking.example.test), so an answer proves the check connected to the
 * pinned address without DNS. The https server's certificate comes from a
 * test CA (openssl) that this process trusts.
 */
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'

import {afterEach, beforeAll, describe, expect, test} from 'vitest'

import {makeTestCa, type TestCa, trustTestCa} from '../../test/harness/test-ca.ts'
import {ExternalError, InterruptedError, UsageError} from '../errors.js'
import {pinTarget} from './pin.js'
import {stopsRun, waitForTarget} from './target-ready.js'

let server: Server | undefined
let ca: TestCa
const seen: Array<{path: string; host: string | undefined; servername?: string | false}> = []

beforeAll(() => {
  ca = makeTestCa(['parking.example.test'])
  trustTestCa(ca)
})

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
  seen.length = 0
})

type Answer = number | [number, Record<string, string>]

/** A server answering each path's statuses in turn (the last one from then on); `*` for any other path. */
async function answering(byPath: Record<string, Answer[]>, tls = false): Promise<number> {
  const counts = new Map<string, number>()
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/'
    seen.push({path, host: req.headers.host, servername: (req.socket as {servername?: string | false}).servername})
    const list = byPath[path] ?? byPath['*'] ?? [200]
    const n = counts.get(path) ?? 0
    counts.set(path, n + 1)
    const answer = list[Math.min(n, list.length - 1)]!
    const [status, headers] = typeof answer === 'number' ? [answer, {}] : answer
    res.writeHead(status, headers).end()
  }
  server = tls ? createHttpsServer({key: ca.key, cert: ca.cert}, handler) : createHttpServer(handler)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const wait = {timeoutMs: 5000, intervalMs: 20}

describe('waitForTarget: the fleet\'s nginx answers at the pinned address, with the URL\'s Host', () => {
  test('Given nginx answering 502 while its upstream comes up, Then it waits, saying why, until an answer that is neither a redirect nor a 5xx (a 404 is one)', async () => {
    const port = await answering({'/slots': [502, 503, 404]})
    const pin = pinTarget(`http://parking.example.test:${port}/slots`, '127.0.0.1')
    const why: string[] = []
    expect(await waitForTarget(pin, {...wait, onWait: (w) => why.push(w)})).toEqual({path: '/slots', status: 404})
    expect(why).toEqual(['HTTP 502', 'HTTP 503'])
    expect(seen.map((s) => s.host)).toEqual([`parking.example.test:${port}`, `parking.example.test:${port}`, `parking.example.test:${port}`])
  })

  test('Given apps.health, Then that path through the LB must answer 2xx (a 503 is waited out), the URL\'s path being asked too', async () => {
    const port = await answering({'/actuator/health': [503, 200], '/': [200]})
    const pin = pinTarget(`http://parking.example.test:${port}/`, '127.0.0.1')
    expect(await waitForTarget(pin, {...wait, healthPath: '/actuator/health'})).toEqual({path: '/actuator/health', status: 200})
    expect(seen.map((s) => s.path)).toEqual(['/', '/actuator/health', '/', '/actuator/health'])
  })

  test('Given a Host that no server_name matches, nginx\'s default server answers 200 at / and 404 for apps.health: refused at once (exit 2), it is not the upstream', async () => {
    const port = await answering({'/': [200], '/actuator/health': [404]})
    const pin = pinTarget(`http://www.parking.example.test:${port}/`, '127.0.0.1')
    const error = await waitForTarget(pin, {...wait, healthPath: '/actuator/health'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect(error).toMatchObject({code: 'TargetNotThroughUpstream'})
    expect((error as Error).message).toBe(`http://www.parking.example.test:${port}/actuator/health through the LB (127.0.0.1:${port}) answered 404, while \`up\`'s health check found the app servers healthy from the LB host: nginx did not pass it to its upstream. The run stopped before its first step.`)
    expect((error as UsageError).nextSteps[0]).toContain('check that www.parking.example.test is a server_name of the server that proxies to the upstream')
    expect(stopsRun(error as UsageError)).toBe(true)
  })

  test('Given nothing listening, Then after the timeout it names the URL, the address and the last answer', async () => {
    const port = await answering({})
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    const pin = pinTarget(`http://parking.example.test:${port}/`, '127.0.0.1')
    const error = await waitForTarget(pin, {timeoutMs: 200, intervalMs: 20}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect((error as Error).message).toBe(`http://parking.example.test:${port}/ (at 127.0.0.1:${port}) did not answer after 200ms (last: ECONNREFUSED).`)
  })

  test('Ctrl-C ends the wait', async () => {
    const port = await answering({'*': [502]})
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 50)
    await expect(waitForTarget(pinTarget(`http://127.0.0.1:${port}/`), {timeoutMs: 10_000, intervalMs: 20, signal: stop.signal})).rejects.toBeInstanceOf(InterruptedError)
  })
})

describe('a redirecting target stops the run before its first step (exit 2), with its Location and what to do', () => {
  test('http → https (nginx\'s 301 from port 80): set loadtest.url to https; the fleet is left running', async () => {
    const port = await answering({'/': [[301, {location: 'https://parking.example.test/'}]]})
    const pin = pinTarget(`http://parking.example.test:${port}/`, '127.0.0.1')
    const error = (await waitForTarget(pin, wait).catch((e: unknown) => e)) as UsageError
    expect(error).toBeInstanceOf(UsageError)
    expect(error.code).toBe('TargetRedirects')
    expect(error.message).toBe(`http://parking.example.test:${port}/ (asked at 127.0.0.1:${port}, the LB's own address) answers 301 to https://parking.example.test/: every request of the load would be a redirect, measured as a non-2xx answer. The run stopped before its first step.`)
    expect(error.nextSteps).toEqual([
      'nginx sends http to https: set `loadtest.url: https://parking.example.test/` in the profile. The load then goes over TLS with that name, still to the LB\'s own address (never through DNS).',
      '`up` has run, and the fleet is left running and costing (listed below): `fleet down` stops it, or add --down to the next run.',
    ])
    expect(seen).toHaveLength(1)
  })

  test('the default target, http://<LB IP>/, redirected to https on that IP: the advice asks for the certificate\'s name', async () => {
    const port = await answering({'/': [[308, {location: 'https://127.0.0.1/'}]]})
    const error = (await waitForTarget(pinTarget(`http://127.0.0.1:${port}/`), {...wait, down: true}).catch((e: unknown) => e)) as UsageError
    expect(error.nextSteps).toEqual([
      'nginx sends http to https: set `loadtest.url: https://<the name on the LB\'s certificate>/` in the profile. The load then goes over TLS with that name, still to the LB\'s own address (never through DNS).',
      '`up` has run: --down stops the fleet now.',
    ])
  })

  test('same scheme, / → /login (Spring Security): --path or loadtest.url\'s path; a redirect of apps.health counts too', async () => {
    const port = await answering({'/': [200], '/actuator/health': [[302, {location: '/login'}]]})
    const pin = pinTarget(`http://parking.example.test:${port}/`, '127.0.0.1')
    const error = (await waitForTarget(pin, {...wait, healthPath: '/actuator/health'}).catch((e: unknown) => e)) as UsageError
    expect(error.code).toBe('TargetRedirects')
    expect(error.message).toContain(`http://parking.example.test:${port}/actuator/health (asked at 127.0.0.1:${port}, the LB's own address) answers 302 to /login:`)
    expect(error.nextSteps[0]).toBe('The site sends /actuator/health to /login (Spring Security sends a user who is not logged in to its login page): load a path that answers itself, with `--path` or `loadtest.url`\'s path.')
  })
})

describe('https: SNI and the certificate are the URL\'s host name, the connection the pinned address', () => {
  test('Given a certificate for parking.example.test from a trusted CA, Then ready, the name sent as SNI and Host', async () => {
    const port = await answering({'/': [200]}, true)
    expect(await waitForTarget(pinTarget(`https://parking.example.test:${port}/`, '127.0.0.1'), wait)).toEqual({path: '/', status: 200})
    expect(seen).toEqual([{path: '/', host: `parking.example.test:${port}`, servername: 'parking.example.test'}])
  })

  test('Given a name the certificate does not hold, Then refused at once (exit 2) before any request', async () => {
    const port = await answering({'/': [200]}, true)
    const error = (await waitForTarget(pinTarget(`https://other.example.test:${port}/`, '127.0.0.1'), wait).catch((e: unknown) => e)) as UsageError
    expect(error).toBeInstanceOf(UsageError)
    expect(error.code).toBe('TargetCertificate')
    expect(error.message).toBe(`The certificate at 127.0.0.1:${port} is not valid for other.example.test (ERR_TLS_CERT_ALTNAME_INVALID): fleet sends no load to it. The run stopped before its first step.`)
    expect(seen).toEqual([])
  })
})
