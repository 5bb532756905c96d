// The real nginx binary judges fleet's output: every config fleet writes must
// pass `nginx -t`, and a running nginx must send the app the same headers as
// before (apart from Connection) while reusing upstream connections.
import {type ChildProcess, execFileSync, spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {type IncomingHttpHeaders, type Server, createServer} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {type AddressInfo, connect, createServer as createTcpServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {applyNginxSettings} from './apply.js'
import type {NginxSettings} from './types.js'
import {renderUpstreamFile} from './upstream-file.js'

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx'
const UPSTREAM = 'honorsParkingBackend'
const INCLUDE = '/etc/nginx/conf.d/fleet-upstream.conf'
const target = {upstream: UPSTREAM, upstreamInclude: INCLUDE}
const arch6: NginxSettings = {workerProcesses: 'auto', workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'}

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'latin1')

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-nginx-'))
  for (const sub of ['logs', 'conf.d', 'ssl']) mkdirSync(join(dir, sub))
  const ssl = join(dir, 'ssl')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(ssl, 'privkey.pem'), '-out', join(ssl, 'fullchain.pem')], {stdio: 'ignore'})
  execFileSync('openssl', ['dhparam', '-dsaparam', '-out', join(ssl, 'dh.pem'), '2048'], {stdio: 'ignore'})
  writeFileSync(join(ssl, 'options-ssl-nginx.conf'), 'ssl_session_cache shared:le_nginx_SSL:1m;\n')
})

afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** The fixture's host paths, moved into the test's prefix (the test only, never fleet's output). */
function localize(text: string, extra: Array<[RegExp | string, string]> = []): string {
  const ssl = join(dir, 'ssl')
  const swaps: Array<[RegExp | string, string]> = [
    [/\buser\s+[^;\s]+;/, 'user root;'],
    [/\/var\/log\/nginx\//g, `${dir}/logs/`],
    [/\/(var\/)?run\/nginx\.pid/g, `${dir}/nginx.pid`],
    [/\/etc\/letsencrypt\/live\/[^/]+\//g, `${ssl}/`],
    ['/etc/letsencrypt/options-ssl-nginx.conf', `${ssl}/options-ssl-nginx.conf`],
    ['/etc/letsencrypt/ssl-dhparams.pem', `${ssl}/dh.pem`],
    [/\/etc\/nginx\/conf\.d\//g, `${dir}/conf.d/`],
    ...extra,
  ]
  return swaps.reduce((t, [from, to]) => t.replace(from, to), text)
}

function writeUpstream(servers: string[], keepalive?: number): void {
  writeFileSync(join(dir, 'conf.d', 'fleet-upstream.conf'), renderUpstreamFile(UPSTREAM, servers, {keepalive}))
}

function clearUpstream(): void {
  rmSync(join(dir, 'conf.d', 'fleet-upstream.conf'), {force: true})
}

/** `nginx -t` on `text` as the main config; returns nginx's complaint, or '' when it passes. */
function nginxTest(text: string): string {
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, text, 'latin1')
  const run = spawnSync(NGINX, ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', file], {encoding: 'utf8'})
  if (run.error) throw run.error
  return run.status === 0 ? '' : run.stderr || `nginx -t exited ${run.status}`
}

describe('nginx -t accepts what fleet writes', () => {
  it('and refuses a broken config (the check can fail)', () => {
    writeUpstream(['127.0.0.1:9'])
    const twice = localize(fixture('story.conf')).replace('http {', `http {\n    include ${dir}/conf.d/fleet-upstream.conf;`)
    expect(nginxTest(twice)).toMatch(/duplicate upstream "honorsParkingBackend"/)
  })

  const cases: Array<{name: string; settings: NginxSettings; upstreamBefore: boolean}> = [
    {name: 'story.conf', settings: arch6, upstreamBefore: false},
    {name: 'story.conf', settings: {workerConnections: 2048}, upstreamBefore: false},
    {name: 'crlf.conf', settings: arch6, upstreamBefore: true},
    {name: 'websocket.conf', settings: arch6, upstreamBefore: false},
    {name: 'weird.conf', settings: arch6, upstreamBefore: false},
    {name: 'no-proxy.conf', settings: {workerProcesses: 2, workerConnections: 512}, upstreamBefore: false},
  ]
  for (const {name, settings, upstreamBefore} of cases) {
    it(`${name} with ${JSON.stringify(settings)}, before and after`, () => {
      const original = fixture(name)
      if (upstreamBefore) writeUpstream(['127.0.0.1:9'])
      else clearUpstream()
      expect(nginxTest(localize(original))).toBe('')

      const result = applyNginxSettings(original, target, settings)
      writeUpstream(['127.0.0.1:9', '127.0.0.2:9'], settings.keepalive)
      expect(nginxTest(localize(result.text))).toBe('')

      const back = applyNginxSettings(result.text, target, {}, result.foundBefore)
      expect(nginxTest(localize(back.text))).toBe('')
    })
  }

  it('snippet.conf (a conf.d file) with keep-alive', () => {
    const snippet = join(dir, 'snippet.conf')
    const main = `pid ${dir}/nginx.pid;\nevents {}\nhttp {\n    include ${snippet};\n}\n`
    writeFileSync(snippet, localize(applyNginxSettings(fixture('snippet.conf'), target, {keepalive: 8}).text))
    writeUpstream(['127.0.0.1:9'], 8)
    expect(nginxTest(main)).toBe('')
  })
})

describe('a running nginx with the story config', () => {
  const backends: Array<{server: Server; port: number; seen: Array<{headers: IncomingHttpHeaders; socket: string}>}> = []
  let nginx: ChildProcess | undefined

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const seen: Array<{headers: IncomingHttpHeaders; socket: string}> = []
      const server = createServer((req, res) => {
        seen.push({headers: req.headers, socket: `${req.socket.remoteAddress}:${req.socket.remotePort}`})
        res.end('ok')
      })
      server.keepAliveTimeout = 20_000 // the app server's idle timeout, above fleet's 15s
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      backends.push({server, port: (server.address() as AddressInfo).port, seen})
    }
  })

  afterAll(async () => {
    await stopNginx()
    for (const b of backends) {
      b.server.closeAllConnections()
      await new Promise((resolve) => b.server.close(resolve))
    }
  })

  async function startNginx(config: string): Promise<number> {
    await stopNginx()
    const [httpPort, httpsPort] = [await freePort(), await freePort()]
    const servers = backends.map((b) => `127.0.0.1:${b.port}`)
    const text = localize(config, [
      ['listen 80;', `listen 127.0.0.1:${httpPort};`],
      ['listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`],
      ['server 3.35.1.1:8080;', `server ${servers[0]};`],
      ['server 3.35.1.2:8080;', `server ${servers[1]};`],
    ])
    const file = join(dir, 'running.conf')
    writeFileSync(file, text)
    const child = spawn(NGINX, ['-e', 'stderr', '-p', dir, '-c', file, '-g', 'daemon off;'], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    nginx = child
    await waitForPort(httpsPort, child, () => stderr)
    for (const b of backends) b.seen.length = 0
    return httpsPort
  }

  async function stopNginx(): Promise<void> {
    const child = nginx
    nginx = undefined
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  async function run(port: number, count: number): Promise<Array<{headers: IncomingHttpHeaders; socket: string}>> {
    for (let i = 0; i < count; i++) expect(await get(port, '/hello')).toBe(200)
    return backends.flatMap((b) => b.seen)
  }

  it('sends the app the same headers apart from Connection, over reused connections', async () => {
    const original = fixture('story.conf')
    clearUpstream()
    const before = await run(await startNginx(original), 12)

    // Two workers whatever the machine: each keeps its own idle connections.
    const result = applyNginxSettings(original, target, {...arch6, workerProcesses: 2})
    writeUpstream(backends.map((b) => `127.0.0.1:${b.port}`), 64)
    const after = await run(await startNginx(result.text), 12)

    const withoutConnection = (h: IncomingHttpHeaders): IncomingHttpHeaders => {
      const {connection: _dropped, ...rest} = h
      return rest
    }
    expect(before[0]!.headers).toMatchObject({'x-real-ip': '127.0.0.1', 'x-forwarded-proto': 'https', connection: 'close'})
    expect(after.map((r) => withoutConnection(r.headers))).toEqual(before.map((r) => withoutConnection(r.headers)))
    expect(after.every((r) => r.headers.connection === undefined)).toBe(true)

    // One connection per request before; with keep-alive, at most one per worker and backend.
    expect(new Set(before.map((r) => r.socket)).size).toBe(12)
    expect(new Set(after.map((r) => r.socket)).size).toBeLessThanOrEqual(4)
  })
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => resolve(socket.destroy() !== undefined))
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx did not listen on ${port}: ${stderr()}`)
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false, headers: {'user-agent': 'fleet-test'}}, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}
