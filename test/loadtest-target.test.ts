/**
 * Where `fleet loadtest` sends its load (issue: "the load goes to the old
 * address"): to the LB this run converged, never to what DNS says the URL's
 * host is. On the story rig (base 190: the LB on 127.0.0.190, app-1 on
 * .191), with an nginx of the test's own as the LB:
 *
 * - https on @PORT_TLS@ with `server_name parking.example.test` and a
 *   certificate from a test CA (openssl), which fleet trusts through
 *   NODE_EXTRA_CA_CERTS; `/app/` answers 302 to /login (Spring Security's
 *   answer to a user not logged in);
 * - port 80: the LB's own IP as Host (the default target) proxied, any other
 *   name sent to https with a 301 (the story's nginx);
 * - @PORT_PLAIN@: nginx's default server (a welcome page at / with 200, 404
 *   elsewhere) and the site by `server_name`.
 *
 * A "stranger" on 127.0.0.199 listens on the same ports (https with a valid
 * certificate for the same name: the worst case, the LB's old IP handed to
 * another customer) and counts every TCP connection it gets. Every CLI run
 * sees a hosts file of its own as /etc/hosts (a private mount namespace:
 * this machine's file is never touched) that resolves the test's names to
 * the stranger: anything fleet or an engine looked up in DNS would reach it.
 * It must receive nothing, while the app servers behind the LB receive the
 * readiness check and every step's requests, with the URL's host as Host.
 *
 * Each engine (autocannon in-process, Artillery as a child process) runs
 * every case; Artillery's where it is installed (scripts/setup.sh).
 */
import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {createServer as createHttpServer, request, type Server} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, beforeEach, describe, expect, test} from 'vitest'

import {runArtilleryStep} from '../src/loadtest/engine-artillery.js'
import {runAutocannonStep} from '../src/loadtest/engine-autocannon.js'
import {installedArtillery} from './harness/artillery.ts'
import {withHostsFile} from './harness/cli.ts'
import {type FleetEnv, type FleetRun, runFleet, tempDir} from './harness/moto.ts'
import {type Nginx, startNginx} from './harness/nginx.ts'
import {STORY_ACCOUNTS, startStoryRig, type StoryRig} from './harness/story-rig.ts'
import {makeTestCa, type TestCa, trustTestCa} from './harness/test-ca.ts'

const NAME = 'parking.example.test'
const STRANGER = '127.0.0.199'
const artillery = installedArtillery()

let rig: StoryRig
let site: Nginx
let ca: TestCa
let stranger: Stranger
let hostsFile: string
let lb: string
let tls: number
let plain: number

/** The LB's nginx: the story's inline upstream (fleet moves it into its own file), and the servers described above. */
function siteConfig(lbIp: string, backend: string, certs: TestCa): string {
  const proxied = `        proxy_set_header Host $host;\n        location / {\n            proxy_pass http://honorsParkingBackend;\n        }\n`
  return `user root;
worker_processes 1;
pid @PREFIX@/logs/nginx.pid;
error_log @PREFIX@/logs/error.log;

events {
    worker_connections 1024;
}

http {
    access_log off;
    upstream honorsParkingBackend {
        server ${backend};
    }

    # where the harness checks that nginx is up
    server {
        listen 127.0.0.1:@PORT@;
        return 204;
    }

    server {
        listen ${lbIp}:80 default_server;
        return 301 https://$host:@PORT_TLS@$request_uri;
    }

    server {
        listen ${lbIp}:80;
        server_name ${lbIp};
${proxied}    }

    server {
        listen ${lbIp}:@PORT_TLS@ ssl;
        server_name ${NAME};
        ssl_certificate ${certs.certFile};
        ssl_certificate_key ${certs.keyFile};
        location = /app/ {
            # nginx sends it as https://<host>:<port>/login (absolute_redirect)
            return 302 /login;
        }
${proxied}    }

    server {
        listen ${lbIp}:@PORT_PLAIN@ default_server;
        access_log @PREFIX@/logs/default-server.log;
        location = / {
            return 200 "Welcome to nginx!\\n";
        }
        location / {
            return 404;
        }
    }

    server {
        listen ${lbIp}:@PORT_PLAIN@;
        server_name ${NAME};
${proxied}    }
}
`
}

interface Stranger {
  /** TCP connections since the last reset, by port. */
  connections: Map<number, number>
  total(): number
  reset(): void
  stop(): Promise<void>
}

/** Servers on STRANGER at each port (https on `httpsPorts`, with a valid certificate for NAME), counting connections. */
async function startStranger(httpPorts: number[], httpsPorts: number[], certs: TestCa): Promise<Stranger> {
  const connections = new Map<number, number>()
  const servers: Server[] = []
  const answer = (_req: unknown, res: {end(body: string): void}) => res.end('a stranger\n')
  for (const [port, secure] of [...httpPorts.map((p) => [p, false] as const), ...httpsPorts.map((p) => [p, true] as const)]) {
    const server = secure ? createHttpsServer({key: certs.key, cert: certs.cert}, answer) : createHttpServer(answer)
    server.on('connection', () => connections.set(port, (connections.get(port) ?? 0) + 1))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, STRANGER, resolve)
    })
    servers.push(server)
  }
  return {
    connections,
    total: () => [...connections.values()].reduce((a, b) => a + b, 0),
    reset: () => connections.clear(),
    stop: async () => {
      for (const server of servers) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    },
  }
}

beforeAll(async () => {
  // The LB and app-1 running already: each run's `up` only syncs the upstream.
  rig = await startStoryRig({base: 190, state: 'running', accounts: {'app-2': {state: 'stopped'}, 'app-3': {state: 'stopped'}}, dbs: []})
  lb = rig.addresses.lb
  ca = makeTestCa([NAME])
  site = await startNginx({configText: siteConfig(lb, rig.backends.servers[0]!.server, ca)})
  tls = site.ports.TLS!
  plain = site.ports.PLAIN!
  stranger = await startStranger([80, plain], [tls], ca)
  hostsFile = join(tempDir('fleet-hosts-'), 'hosts')
  writeFileSync(hostsFile, `127.0.0.1 localhost\n${STRANGER} ${NAME} www.${NAME} other.example.test\n`)
})

afterAll(async () => {
  await stranger?.stop()
  await site?.stop()
  await rig?.stop()
})

beforeEach(() => {
  stranger.reset()
  rig.backends.clear()
})

async function profile(loadtest: Record<string, unknown>, options: {health?: boolean} = {}): Promise<string> {
  return rig.writeProfile({
    accounts: Object.fromEntries(STORY_ACCOUNTS.map((a) => [a, rig.account(a)])),
    nginx: rig.nginxSection(site),
    apps: {port: rig.backends.servers[0]!.port, ...(options.health === false ? {} : {health: '/actuator/health'})},
    rds: null,
    autoStop: null,
    architectures: {solo: {lb: {instanceType: 't2.micro'}, apps: ['app-1']}},
    loadtest: {address: 'private', ...loadtest},
  })
}

function envFor(engine: string): FleetEnv {
  return {...rig.env, NODE_EXTRA_CA_CERTS: ca.caFile, FLEET_WAIT_MIN_DELAY: '0.05', FLEET_WAIT_MAX_DELAY: '0.2', ...(engine === 'artillery' ? {FLEET_ARTILLERY: artillery} : {})}
}

const STEP = ['--users', '3', '--think', '50ms', '--duration', '1s', '--warmup', '1s']

/** `fleet loadtest` with the test's hosts file as /etc/hosts. */
function loadtest(engine: string, file: string, extra: string[] = []): Promise<FleetRun> {
  return runFleet(['loadtest', '--arch', 'solo', ...STEP, '--engine', engine, '--yes', '--profile', file, ...extra], {env: envFor(engine), hosts: hostsFile, timeoutMs: 90_000})
}

/** Requests the app servers got (through the LB) with this Host, on this path. */
const atApps = (host: string, path: string) => rig.backends.all().filter((r) => r.headers.host === host && r.path === path)

test('the hosts file works: inside the CLI\'s namespace the test\'s names resolve to the stranger, who counts what reaches it (and this machine\'s /etc/hosts is untouched)', async () => {
  const script = `require('dns').lookup('${NAME}', (e, a) => require('http').get('http://${NAME}:${plain}/', (r) => { r.resume(); console.log(a, r.statusCode) }))`
  const [command, ...args] = withHostsFile(hostsFile, [process.execPath, '-e', script])
  // Not execFileSync: the stranger answering it runs in this process.
  const {stdout} = await promisify(execFile)(command!, args, {encoding: 'utf8', timeout: 20_000})
  expect(stdout.trim()).toBe(`${STRANGER} 200`)
  expect(stranger.connections.get(plain)).toBe(1)
  expect(await readFile('/etc/hosts', 'utf8')).not.toContain(NAME)
})

const ENGINES = [
  {engine: 'autocannon', skip: false},
  {engine: 'artillery', skip: !artillery && !process.env.CI},
]

describe.each(ENGINES)('--engine $engine', ({engine, skip}) => {
  // About 5 s (Artillery 12 s: its own start-up, twice): `up` (the upstream sync), the readiness check, one SSH session per host, a 1 s warm-up and a 1 s step.
  test.skipIf(skip)('https by host name: the stranger DNS names gets nothing, the LB every request, with the name as Host and TLS name', async () => {
    const url = `https://${NAME}:${tls}/`
    const run = await loadtest(engine, await profile({url}), ['--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(stranger.total()).toBe(0)
    const at = `${lb}:${tls}`
    expect(out).toMatchObject({target: url, address: {account: 'lb', kind: 'private', at}, engine, architectures: [{arch: 'solo', address: at}]})
    expect(run.stderr).toContain(`Target: ${url} → ${at} (lb's private IP; DNS not used)`)
    expect(run.stderr).toContain(`waiting  for ${url} → ${at} (lb's private IP; DNS not used)`)
    expect(await readFile(out.report, 'utf8')).toContain(`${url} → ${at} (lb&#39;s private IP; DNS not used)`)
    const [step] = out.steps
    expect(step).toMatchObject({users: 3, errors: 0, non2xx: 0})
    expect(step.requests).toBeGreaterThan(0)
    // The readiness check asked apps.health through the LB with the URL's name (up's own check asks each app directly, by IP).
    expect(atApps(NAME, '/actuator/health').length).toBeGreaterThanOrEqual(1)
    // Every request of the measured step (and of the warm-up) reached the app servers through the LB's https server.
    expect(atApps(NAME, '/').length).toBeGreaterThanOrEqual(step.requests)
  }, 120_000)

  test.skipIf(skip)('a name the certificate does not hold is refused before the first step (exit 2); nothing reaches the stranger or the app servers', async () => {
    const run = await loadtest(engine, await profile({url: `https://other.example.test:${tls}/`}), ['--json'])
    expect(run.exitCode, run.stderr).toBe(2)
    const out = JSON.parse(run.stdout)
    expect(out.steps).toEqual([])
    expect(out.failures).toEqual([{arch: 'solo', error: expect.objectContaining({code: 'TargetCertificate', exitCode: 2, message: `The certificate at ${lb}:${tls} is not valid for other.example.test (ERR_TLS_CERT_ALTNAME_INVALID): fleet sends no load to it. The run stopped before its first step.`})}])
    expect(stranger.total()).toBe(0)
    expect(rig.backends.all().filter((r) => r.headers.host === 'other.example.test')).toEqual([])
  }, 60_000)

  test.skipIf(skip)('http → https (the story\'s 301 on port 80): stopped with the Location and `loadtest.url: https://…`; what is left running is listed', async () => {
    const run = await loadtest(engine, await profile({url: `http://${NAME}/`}))
    expect(run.exitCode, run.stderr).toBe(2)
    expect(run.stdout).toContain(`✗ arch solo was not measured: http://${NAME}/ (asked at ${lb}:80, the LB's own address) answers 301 to https://${NAME}:${tls}/: every request of the load would be a redirect`)
    expect(run.stdout).toContain(`→ nginx sends http to https: set \`loadtest.url: https://${NAME}:${tls}/\` in the profile.`)
    expect(run.stdout).toMatch(/Still running and costing money \(no --down\):\n(.*\n)* {2}lb: t2\.micro i-\w+ is running/)
    expect(run.stdout).toContain('No step was measured.')
    expect(stranger.total()).toBe(0)
  }, 60_000)

  test.skipIf(skip)('same scheme, /app/ → /login (Spring Security): stopped with `--path` advice; --down stops what `up` started', async () => {
    const run = await loadtest(engine, await profile({url: `https://${NAME}:${tls}/app/`}), ['--down', '--json'])
    expect(run.exitCode, run.stderr).toBe(2)
    const out = JSON.parse(run.stdout)
    expect(out.failures[0].error).toMatchObject({code: 'TargetRedirects', exitCode: 2})
    expect(out.failures[0].error.message).toContain(`https://${NAME}:${tls}/app/ (asked at ${lb}:${tls}, the LB's own address) answers 302 to https://${NAME}:${tls}/login:`)
    expect(out.failures[0].error.nextSteps).toEqual([
      'The site sends /app/ to /login (Spring Security sends a user who is not logged in to its login page): load a path that answers itself, with `--path` or `loadtest.url`\'s path.',
      '`up` has run: --down stops the fleet now.',
    ])
    expect(out.down.results.every((r: {ok: boolean}) => r.ok)).toBe(true)
    expect(out.stillCosting.filter((c: {account: string}) => c.account === 'lb' || c.account === 'app-1')).toEqual([])
    expect(stranger.total()).toBe(0)
  }, 60_000)

  // About 5 s (Artillery 12 s): `up` starts the LB and app-1 again (the test before stopped them), then a warm-up and a step.
  test.skipIf(skip)('the default target without loadtest.url: http://<the LB\'s private IP>/, its IP as Host, measured', async () => {
    const run = await loadtest(engine, await profile({}))
    expect(run.exitCode, run.stderr).toBe(0)
    const table = run.stdout.slice(run.stdout.indexOf('ARCH'))
    expect(table).toContain(`Target: http://${lb}/ → ${lb}:80 (lb's private IP; DNS not used)`)
    const saved = JSON.parse(await readFile(join(/Report: (\S+)report\.html/.exec(run.stdout)![1]!, 'loadtest.json'), 'utf8'))
    expect(saved).toMatchObject({target: 'http://<lb\'s private IP>/', address: {kind: 'private', at: `${lb}:80`}, architectures: [{target: `http://${lb}/`, address: `${lb}:80`}]})
    expect(saved.steps[0]).toMatchObject({errors: 0, non2xx: 0})
    expect(atApps(lb, '/').length).toBeGreaterThanOrEqual(saved.steps[0].requests)
    expect(stranger.total()).toBe(0)
  }, 120_000)

  test.skipIf(skip)('nginx\'s default server answers 200 at / for a Host no server_name matches: apps.health through the LB tells it is not the upstream (exit 2)', async () => {
    const host = `www.${NAME}`
    // What a check that accepted any answer at / would have taken for "ready":
    expect(await get(lb, plain, host, '/')).toBe(200)
    const run = await loadtest(engine, await profile({url: `http://${host}:${plain}/`}), ['--json'])
    expect(run.exitCode, run.stderr).toBe(2)
    expect(JSON.parse(run.stdout).failures[0].error).toMatchObject({
      code: 'TargetNotThroughUpstream',
      message: `http://${host}:${plain}/actuator/health through the LB (${lb}:${plain}) answered 404, while \`up\`'s health check found the app servers healthy from the LB host: nginx did not pass it to its upstream. The run stopped before its first step.`,
    })
    expect(await readFile(join(site.prefix, 'logs', 'default-server.log'), 'utf8')).toContain('"GET /actuator/health HTTP/1.1" 404')
    expect(rig.backends.all().filter((r) => r.headers.host === host)).toEqual([])
    expect(stranger.total()).toBe(0)
  }, 60_000)
})

/** One GET to address:port with this Host; its status. */
function get(address: string, port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({host: address, port, path, headers: {host}, agent: false}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.once('error', reject)
    req.end()
  })
}

describe('each engine checks the certificate itself, against the URL\'s name, at the pinned address (no DNS in this process: the name resolves nowhere here)', () => {
  const step = (name: string) => ({url: `https://${name}:${tls}/`, address: lb, users: 2, thinkMs: 50, durationMs: 1000})

  test('autocannon: the right name is loaded through the LB; a wrong one is refused before any request', async () => {
    trustTestCa(ca)
    const ok = await runAutocannonStep(step(NAME))
    expect(ok).toMatchObject({errors: 0, non2xx: 0})
    expect(atApps(NAME, '/').length).toBeGreaterThanOrEqual(ok.requests)
    expect(ok.requests).toBeGreaterThan(0)
    await expect(runAutocannonStep(step('other.example.test'))).rejects.toMatchObject({code: 'TargetCertificate', message: expect.stringContaining(`The certificate at ${lb}:${tls} is not valid for other.example.test (ERR_TLS_CERT_ALTNAME_INVALID)`)})
    expect(rig.backends.all().filter((r) => r.headers.host === 'other.example.test')).toEqual([])
  })

  // About 15 s: three real `artillery run`s (each its own Node start-up).
  test.skipIf(!artillery && !process.env.CI)('Artillery: the right name with the CA from NODE_EXTRA_CA_CERTS is loaded; a wrong name, or no CA, is refused', async () => {
    const command = [artillery!]
    const withCa = {...process.env, NODE_EXTRA_CA_CERTS: ca.caFile}
    const ok = await runArtilleryStep(step(NAME), {command, env: withCa})
    expect(ok).toMatchObject({errors: 0, non2xx: 0})
    expect(ok.requests).toBeGreaterThan(0)
    expect(atApps(NAME, '/').length).toBeGreaterThanOrEqual(ok.requests)
    await expect(runArtilleryStep(step('other.example.test'), {command, env: withCa})).rejects.toMatchObject({code: 'TargetCertificate', message: expect.stringContaining('ERR_TLS_CERT_ALTNAME_INVALID')})
    const withoutCa = {...process.env, NODE_EXTRA_CA_CERTS: undefined}
    await expect(runArtilleryStep(step(NAME), {command, env: withoutCa})).rejects.toMatchObject({code: 'TargetCertificate', message: expect.stringContaining('UNABLE_TO_VERIFY_LEAF_SIGNATURE')})
    expect(rig.backends.all().filter((r) => r.headers.host === 'other.example.test')).toEqual([])
  }, 90_000)
})
