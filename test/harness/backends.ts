/**
 * HTTP backends standing in for the app servers (Spring Boot behind nginx in
 * the story): one server per loopback address, all on the same port, as the
 * app servers all listen on 8080 on their own hosts. Every address of 127/8
 * is local on Linux `lo`, so 127.0.0.11, .12, .13 are distinct hosts to nginx
 * without any setup; where binding one fails, the error says how to add it.
 *
 * `startBackends` runs in the test's process and records every request, for
 * tests. `spawnBackends` runs each backend as its own Node process
 * (backend-server.js), for the bench: there the backends must not share an
 * event loop with the bench driver or with each other.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {type IncomingMessage, type Server, type ServerResponse, createServer, get} from 'node:http'
import {type AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'

import {stopChild, track, waitForOutput} from './process.ts'

/** Tomcat's default keep-alive timeout, and so Spring Boot's: 20 s. */
export const APP_KEEP_ALIVE_TIMEOUT_MS = 20_000

const SERVER_SCRIPT = fileURLToPath(new URL('backend-server.js', import.meta.url))
const PORT_TRIES = 20

export interface Recorded {
  method: string
  path: string
  /** Header names and values in arrival order, as sent (`req.rawHeaders`). */
  rawHeaders: string[]
  /** The same, lower-cased and merged by Node. */
  headers: IncomingMessage['headers']
  /** `remoteAddress:remotePort`: one value per TCP connection. */
  remote: string
  at: number
}

export interface Backend {
  address: string
  port: number
  /** `address:port`, as an upstream `server` line names it. */
  server: string
  /** Requests since the start or the last `clear()`. */
  requests: Recorded[]
  /** Distinct TCP connections that carried the requests since the last `clear()`. */
  connections(): number
  clear(): void
}

export interface Backends {
  servers: Backend[]
  /** Every backend's requests, in arrival order per backend. */
  all(): Recorded[]
  clear(): void
  stop(): Promise<void>
}

export interface BackendOptions {
  /** Idle time before a backend closes a kept-alive connection (default 20 s, like Tomcat). */
  keepAliveTimeoutMs?: number
  /** Every answer waits this long (the app's own work; default 0). Requests wait in parallel, as on a thread pool. */
  latencyMs?: number
  /**
   * The first request of each TCP connection waits this much more (default
   * 0): what a new connection costs before it carries a request (the
   * handshake to an app server in another account, the app's per-connection
   * set-up). It is what upstream keep-alive saves.
   */
  newConnectionMs?: number
}

/**
 * Starts one recording HTTP server per address, all on `port` (0: one free
 * port that is free on every address). `GET /actuator/health` answers 200
 * `{"status":"UP"}`; any other path answers 200 with a body naming the backend.
 */
export async function startBackends(addresses: string[], port = 0, options: BackendOptions = {}): Promise<Backends> {
  if (new Set(addresses).size !== addresses.length) throw new Error(`backend addresses must be distinct: ${addresses.join(', ')}`)
  const made = await listenAll(addresses, port, (address) => recordingServer(address, options))
  const servers = made.map(({server, recorder}, i) => {
    const backend: Backend = {
      address: addresses[i]!,
      port: (server.address() as AddressInfo).port,
      server: '',
      requests: recorder.requests,
      connections: () => new Set(recorder.requests.map((r) => r.remote)).size,
      clear: () => {
        recorder.requests.length = 0
      },
    }
    backend.server = `${backend.address}:${backend.port}`
    return backend
  })
  return {
    servers,
    all: () => servers.flatMap((s) => s.requests),
    clear: () => servers.forEach((s) => s.clear()),
    stop: () => Promise.all(made.map(({server}) => closeServer(server))).then(() => undefined),
  }
}

interface Recorder {
  requests: Recorded[]
}

function recordingServer(address: string, options: BackendOptions): {server: Server; recorder: Recorder} {
  const recorder: Recorder = {requests: []}
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/'
    recorder.requests.push({
      method: req.method ?? '',
      path,
      rawHeaders: [...req.rawHeaders],
      headers: req.headers,
      remote: `${req.socket.remoteAddress}:${req.socket.remotePort}`,
      at: Date.now(),
    })
    // Drain any body so that the connection can be reused.
    req.resume()
    const delayMs = delayOf(req.socket, options)
    req.on('end', () => (delayMs > 0 ? setTimeout(() => answer(res, address, path), delayMs) : answer(res, address, path)))
  })
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? APP_KEEP_ALIVE_TIMEOUT_MS
  return {server, recorder}
}

const served = new WeakSet<object>()

/** `latencyMs`, plus `newConnectionMs` for the first request a connection carries. */
function delayOf(socket: object, options: BackendOptions): number {
  const fresh = !served.has(socket)
  served.add(socket)
  return (options.latencyMs ?? 0) + (fresh ? (options.newConnectionMs ?? 0) : 0)
}

function answer(res: ServerResponse, address: string, path: string): void {
  if (res.destroyed) return
  const health = path === '/actuator/health' || path.startsWith('/actuator/health?')
  const body = health ? '{"status":"UP"}' : `backend ${address}\n`
  res.writeHead(200, {'content-type': health ? 'application/json' : 'text/plain', 'content-length': Buffer.byteLength(body)})
  res.end(body)
}

/**
 * Binds `make(address)` on every address at the same port. With port 0 the
 * first address picks a free port and the others try it; when one of them
 * has it taken, all close and start again.
 */
async function listenAll<T extends {server: Server}>(addresses: string[], port: number, make: (address: string) => T): Promise<T[]> {
  for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
    const made: T[] = []
    let chosen = port
    try {
      for (const address of addresses) {
        const item = make(address)
        made.push(item)
        await listen(item.server, address, chosen)
        chosen = (item.server.address() as AddressInfo).port
      }
      return made
    } catch (error) {
      await Promise.all(made.map((m) => closeServer(m.server)))
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== 0) throw error
    }
  }
  throw new Error(`no port was free on every one of ${addresses.join(', ')} after ${PORT_TRIES} tries`)
}

function listen(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(explainBind(error, address))
    server.once('error', onError)
    server.listen(port, address, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function explainBind(error: NodeJS.ErrnoException, address: string): Error {
  if (error.code !== 'EADDRNOTAVAIL') return error
  return new Error(
    `cannot bind ${address}: it is not a local address here. On Linux all of 127/8 is local on lo; elsewhere add it: ` +
      `ip addr add ${address}/32 dev lo (as root), or on macOS: sudo ifconfig lo0 alias ${address}`,
    {cause: error},
  )
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export interface BackendStats {
  /** Requests answered since the process started. */
  requests: number
  /** TCP connections accepted since the process started. */
  connections: number
}

export interface SpawnedBackend {
  address: string
  port: number
  server: string
  pid: number
  /** Counters of the backend process, read from its stats path (not counted itself). */
  stats(): Promise<BackendStats>
}

export interface SpawnedBackends {
  servers: SpawnedBackend[]
  stop(): Promise<void>
}

/**
 * Starts one backend-server.js process per address, all on `port` (0: a
 * free port, tried on every address). Answers like `startBackends`, records
 * nothing but counters.
 */
export async function spawnBackends(addresses: string[], port = 0, options: BackendOptions = {}): Promise<SpawnedBackends> {
  for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
    const children: ChildProcess[] = []
    let chosen = port
    try {
      for (const address of addresses) {
        const child = spawnServer(address, chosen, options)
        children.push(child)
        const match = await waitForOutput(child, /listening [^\s]+:(\d+)\n|EADDRINUSE|EADDRNOTAVAIL/, `backend ${address}`, 10_000)
        if (match[0] === 'EADDRINUSE') throw Object.assign(new Error(`port ${chosen} is taken on ${address}`), {code: 'EADDRINUSE'})
        if (match[0] === 'EADDRNOTAVAIL') throw explainBind(Object.assign(new Error('EADDRNOTAVAIL'), {code: 'EADDRNOTAVAIL'}), address)
        chosen = Number(match[1])
      }
      return spawned(addresses, chosen, children)
    } catch (error) {
      await Promise.all(children.map((c) => stopChild(c)))
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== 0) throw error
    }
  }
  throw new Error(`no port was free on every one of ${addresses.join(', ')} after ${PORT_TRIES} tries`)
}

function spawnServer(address: string, port: number, options: BackendOptions): ChildProcess {
  const timeout = String(options.keepAliveTimeoutMs ?? APP_KEEP_ALIVE_TIMEOUT_MS)
  const delays = [String(options.latencyMs ?? 0), String(options.newConnectionMs ?? 0)]
  return track(spawn(process.execPath, [SERVER_SCRIPT, address, String(port), timeout, ...delays], {stdio: ['ignore', 'pipe', 'pipe']}))
}

function spawned(addresses: string[], port: number, children: ChildProcess[]): SpawnedBackends {
  const servers = addresses.map((address, i) => ({
    address,
    port,
    server: `${address}:${port}`,
    pid: children[i]!.pid!,
    stats: () => getJson<BackendStats>(address, port, '/__rig/stats'),
  }))
  return {servers, stop: () => Promise.all(children.map((c) => stopChild(c))).then(() => undefined)}
}

function getJson<T>(host: string, port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = get({host, port, path, agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T)
        } catch (error) {
          reject(new Error(`${host}:${port}${path} answered ${res.statusCode} ${body.slice(0, 200)}`, {cause: error}))
        }
      })
    })
    req.on('error', reject)
  })
}
