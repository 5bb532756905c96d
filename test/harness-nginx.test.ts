/**
 * The nginx rig's own tests: a real nginx proxies to three backends on
 * distinct loopback addresses, refuses a broken config while the old one
 * serves on, reloads into a new one, and keeps upstream connections alive
 * only when the config asks for it.
 */
import {execSync} from 'node:child_process'
import {Agent, request} from 'node:http'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {type Backends, spawnBackends, startBackends} from './harness/backends.ts'
import {type Nginx, startNginx} from './harness/nginx.ts'

const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13']

interface Options {
  keepalive?: boolean
  extra?: string
}

/** A small LB config: one worker, so that connection counts are exact. */
function mainConfig({keepalive = false, extra = ''}: Options = {}): string {
  const proxy = keepalive ? 'proxy_http_version 1.1;\n            proxy_set_header Connection "";\n            ' : ''
  return `worker_processes 1;
events { worker_connections 256; }
http {
    access_log off;
    include @PREFIX@/conf.d/*.conf;
    server {
        listen 127.0.0.1:@PORT@;
        ${extra}
        location / {
            ${proxy}proxy_set_header X-Real-IP $remote_addr;
            proxy_pass http://app;
        }
    }
}
`
}

function upstreamFile(servers: string[], keepalive = false): string {
  return `upstream app {\n${servers.map((s) => `    server ${s};\n`).join('')}${keepalive ? '    keepalive 16;\n' : ''}}\n`
}

let backends: Backends
let nginx: Nginx | undefined

beforeAll(async () => {
  backends = await startBackends(ADDRESSES, 0)
})
afterEach(async () => {
  await nginx?.stop()
  nginx = undefined
})
afterAll(async () => {
  await backends?.stop()
})

async function startLb(options: Options = {}): Promise<Nginx> {
  nginx = await startNginx({
    configText: mainConfig(options),
    files: {'conf.d/upstream.conf': upstreamFile(backends.servers.map((s) => s.server), options.keepalive)},
  })
  backends.clear()
  return nginx
}

describe('backends', () => {
  it('listen on distinct loopback addresses at one port and answer health checks', async () => {
    // Given three backends
    const [a, b, c] = backends.servers
    // Then they share a port and answer on their own address
    expect(new Set(backends.servers.map((s) => s.port)).size).toBe(1)
    expect([a!.address, b!.address, c!.address]).toEqual(ADDRESSES)
    expect(await get(`http://${b!.server}/actuator/health`)).toEqual({status: 200, body: '{"status":"UP"}'})
    expect(await get(`http://${c!.server}/anything`)).toEqual({status: 200, body: 'backend 127.0.0.13\n'})
    expect(c!.requests.at(-1)).toMatchObject({method: 'GET', path: '/anything', remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/)})
  })
})

describe('nginx as the LB host', () => {
  it('proxies to all three backends, each on its own address', async () => {
    // Given nginx in front of three backends
    const lb = await startLb()
    // When nine requests go through it
    const bodies = []
    for (let i = 0; i < 9; i++) bodies.push((await get(`${lb.url}/hello`)).body)
    // Then round robin sent three to each backend, with nginx's headers
    expect(new Set(bodies)).toEqual(new Set(ADDRESSES.map((a) => `backend ${a}\n`)))
    expect(backends.servers.map((s) => s.requests.length)).toEqual([3, 3, 3])
    const first = backends.servers[0]!.requests[0]!
    expect(first.rawHeaders).toEqual(expect.arrayContaining(['X-Real-IP', '127.0.0.1']))
    expect(first.headers.connection).toBe('close')
  })

  it('refuses a broken config, and the old one keeps serving', async () => {
    // Given a running nginx
    const lb = await startLb()
    expect(await lb.test()).toEqual({ok: true, output: expect.stringMatching(/test is successful/)})
    const workers = await lb.workers()
    // When its config is broken on disk
    await lb.write('nginx.conf', mainConfig().replace('proxy_pass http://app;', 'proxy_pass http://app'))
    // Then test() and reload() fail, the same workers run, and requests still reach the backends
    const tested = await lb.test()
    expect(tested.ok).toBe(false)
    expect(tested.output).toMatch(/\[emerg\]/)
    await expect(lb.reload()).rejects.toThrow(/reload failed|did not switch/)
    expect(await lb.workers()).toEqual(workers)
    expect(await get(`${lb.url}/still`)).toMatchObject({status: 200, body: expect.stringMatching(/^backend /)})
    expect(execShell(lb.commands.test).ok).toBe(false)
  })

  it('reloads into a new config, and its commands work from a shell', async () => {
    // Given a running nginx
    const lb = await startLb()
    expect((await get(`${lb.url}/version`)).body).toMatch(/^backend /)
    // When a new config is written and reloaded
    await lb.write('nginx.conf', mainConfig({extra: 'location = /version { return 200 "v2"; }'}))
    const before = await lb.workers()
    await lb.reload()
    // Then the new config serves, from new workers
    expect(await get(`${lb.url}/version`)).toEqual({status: 200, body: 'v2'})
    expect((await lb.workers()).some((pid) => before.includes(pid))).toBe(false)
    // And the shell commands a profile would run see the same nginx
    expect(execShell(lb.commands.test)).toMatchObject({ok: true})
    const dump = execShell(lb.commands.dump)
    expect(dump.output).toContain('return 200 "v2"')
    expect(dump.output).toContain(`server ${backends.servers[2]!.server};`)
    execShell(lb.commands.reload)
    expect((await get(`${lb.url}/version`)).body).toBe('v2')
  })

  it('opens one upstream connection per request without keep-alive', async () => {
    // Given nginx without upstream keep-alive
    const lb = await startLb()
    // When twelve requests go through, one after another
    for (let i = 0; i < 12; i++) await get(`${lb.url}/r${i}`)
    // Then each request came over its own connection
    expect(backends.servers.map((s) => s.connections())).toEqual([4, 4, 4])
    expect(backends.all().every((r) => r.headers.connection === 'close')).toBe(true)
  })

  it('reuses one connection per backend with keepalive, HTTP/1.1 and Connection ""', async () => {
    // Given nginx with upstream keep-alive and one worker
    const lb = await startLb({keepalive: true})
    // When twelve requests go through, one after another
    for (let i = 0; i < 12; i++) await get(`${lb.url}/r${i}`)
    // Then each backend saw its four requests over one connection
    expect(backends.servers.map((s) => s.requests.length)).toEqual([4, 4, 4])
    expect(backends.servers.map((s) => s.connections())).toEqual([1, 1, 1])
    expect(backends.all().every((r) => r.headers.connection === undefined)).toBe(true)
  })
})

describe('backends in their own processes (the bench)', () => {
  it('count requests and connections through nginx', async () => {
    // Given three backend processes behind nginx with keep-alive
    const spawned = await spawnBackends(['127.0.0.21', '127.0.0.22', '127.0.0.23'], 0)
    try {
      nginx = await startNginx({
        configText: mainConfig({keepalive: true}),
        files: {'conf.d/upstream.conf': upstreamFile(spawned.servers.map((s) => s.server), true)},
      })
      // When six requests go through
      const bodies = []
      for (let i = 0; i < 6; i++) bodies.push((await get(`${nginx.url}/`)).body)
      // Then each process answered two, over one connection, and reading the counters does not count
      expect(new Set(bodies).size).toBe(3)
      for (const server of spawned.servers) {
        expect(await server.stats()).toEqual({requests: 2, connections: 1})
        expect(await server.stats()).toEqual({requests: 2, connections: 1})
      }
    } finally {
      await spawned.stop()
    }
  })
})

describe('backend latency (settable)', () => {
  it('answers after latencyMs, and the first request of a connection waits newConnectionMs more, in-process and spawned', async () => {
    const inProcess = await startBackends(['127.0.0.35'], 0, {latencyMs: 40, newConnectionMs: 120})
    const spawned = await spawnBackends(['127.0.0.36'], 0, {latencyMs: 40, newConnectionMs: 120})
    try {
      for (const server of [inProcess.servers[0]!, spawned.servers[0]!]) {
        // Given one kept-alive connection, When two requests go over it
        const agent = new Agent({keepAlive: true, maxSockets: 1})
        const timed = async () => {
          const started = performance.now()
          await new Promise<void>((resolve, reject) => request(`http://${server.server}/`, {agent}, (res) => res.resume().on('end', resolve)).on('error', reject).end())
          return performance.now() - started
        }
        const first = await timed()
        const second = await timed()
        agent.destroy()
        // Then the first pays for the new connection, the second only the latency
        expect(first, server.server).toBeGreaterThanOrEqual(155)
        expect(second, server.server).toBeGreaterThanOrEqual(38)
        expect(second, server.server).toBeLessThan(120)
      }
      expect(inProcess.servers[0]!.connections()).toBe(1)
    } finally {
      await inProcess.stop()
      await spawned.stop()
    }
  })
})

function execShell(command: string): {ok: boolean; output: string} {
  try {
    return {ok: true, output: execSync(command, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})}
  } catch (error) {
    const e = error as {stdout?: string; stderr?: string}
    return {ok: false, output: `${e.stderr ?? ''}${e.stdout ?? ''}`}
  }
}

/** One GET on a fresh connection (no client-side pooling). */
function get(url: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(url, {agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
    req.on('error', reject)
    req.end()
  })
}
