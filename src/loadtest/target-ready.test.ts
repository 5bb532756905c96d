import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterEach, describe, expect, test} from 'vitest'

import {ExternalError, InterruptedError} from '../errors.js'
import {waitForTarget} from './target-ready.js'

let server: Server | undefined

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
})

/** A server answering the statuses in turn (the last one from then on). */
async function answering(statuses: number[]): Promise<string> {
  let n = 0
  server = createServer((_req, res) => res.writeHead(statuses[Math.min(n++, statuses.length - 1)]!).end())
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

describe('waitForTarget: the URL the load goes to answers through the LB', () => {
  test('Given nginx answering 502 while its upstream comes up, Then it waits, saying why, until another answer (a 404 is an answer)', async () => {
    const url = await answering([502, 503, 404])
    const seen: string[] = []
    expect(await waitForTarget(url, {timeoutMs: 5000, intervalMs: 20, onWait: (why) => seen.push(why)})).toBe(404)
    expect(seen).toEqual(['HTTP 502', 'HTTP 503'])
  })

  test('Given nothing listening, Then after the timeout it names the URL and the last answer', async () => {
    const url = await answering([200])
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    const error = await waitForTarget(url, {timeoutMs: 200, intervalMs: 20}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect((error as Error).message).toBe(`${url} did not answer after 200ms (last: ECONNREFUSED).`)
  })

  test('Ctrl-C ends the wait', async () => {
    const url = await answering([502])
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 50)
    await expect(waitForTarget(url, {timeoutMs: 10_000, intervalMs: 20, signal: stop.signal})).rejects.toBeInstanceOf(InterruptedError)
  })
})
