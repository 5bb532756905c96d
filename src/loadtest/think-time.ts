/**
 * A fixed think time per virtual user on top of autocannon, the way a Locust
 * user with `constant(think)` behaves: request, wait for the response, wait
 * `think`, request again, on the same kept-alive connection.
 *
 * autocannon's own `connectionRate` cannot express that: it counts requests
 * per whole second of wall clock (so a think of 1.5 s or 3 s still sends one
 * request a second), fires every connection's quota at the same instant each
 * second, and does not add the response time (an open loop, where Locust's is
 * closed: a slower server gets fewer requests). `overallRate` has the same
 * per-second windows. So instead each connection (autocannon's `Client`,
 * handed to `setupClient`) gets its request trigger, `_doRequest`, deferred:
 * the call that follows a response waits `think`; the first request waits a
 * random part of one think, as if the users had been spawned over that
 * period (no thundering herd of N users on the same millisecond). This
 * touches one non-public method of autocannon 9's client: the engine's test
 * counts requests at the server, so an autocannon that changes it fails there.
 */

/** What the hook needs of autocannon's Client (lib/httpClient.js). */
export interface ThinkingClient {
  _doRequest: (...args: unknown[]) => void
  destroyed: boolean
  destroy(): void
  on(event: 'response' | 'done', listener: () => void): unknown
}

/**
 * A `setupClient` for autocannon: records each client in `clients` (to stop
 * them at once on abort) and, when `thinkMs` > 0, defers its requests.
 */
export function thinkTime(thinkMs: number, clients: ThinkingClient[], random: () => number = Math.random): (client: ThinkingClient) => void {
  return (client) => {
    clients.push(client)
    if (thinkMs <= 0) return
    const send = client._doRequest.bind(client)
    let pending: NodeJS.Timeout | undefined
    let first = true
    let afterResponse = false
    // autocannon emits 'response' right before it calls _doRequest for the next request.
    client.on('response', () => (afterResponse = true))
    client.on('done', () => clearTimeout(pending))
    client._doRequest = (...args: unknown[]) => {
      // A reconnect while the user thinks: the waiting request goes out on the new connection.
      if (pending) return
      const delay = first ? random() * thinkMs : afterResponse ? thinkMs : 0
      first = false
      afterResponse = false
      if (delay <= 0) return send(...args)
      pending = setTimeout(() => {
        pending = undefined
        if (!client.destroyed) send(...args)
      }, delay)
    }
  }
}
