// The nginx part of `npm run bench` (spec section 8, issue 3): requests per
// second under wrk with fixed -t/-c/-d on a local rig of the real nginx and
// three HTTP backends, for (a) the story's original config (one worker, 1024
// connections, no upstream keep-alive), (b) arch 6 without keep-alive and
// (c) arch 6 as fleet writes it; printing RPS and the ratios c/a (target
// ≥ 1.8x) and c/b. Then the story's scale (issue 13): (a) and (c) under
// 1,500 concurrent clients (FLEET_BENCH_NGINX_CLIENTS), where the story's one
// worker with 1024 worker_connections, shared between client and upstream
// connections, runs out near 512 proxied clients: requests per second and
// errors (wrk's socket errors, non-2xx answers, nginx's error log) of each.
// That many sockets need a file limit above the usual 1024: bench/run.js
// raises the soft limit to the hard one for itself and its children.
//
// The rig: (a) is src/nginx/fixtures/story.conf with only what a local run
// needs changed (paths into a temp prefix, 127.0.0.1 and free ports, TLS off,
// the three local backends in its inline upstream). (b) and (c) are what the
// BUILT fleet core (`upstream sync`'s planNginxFiles: applyNginxSettings and
// renderUpstreamFile) makes of (a). The backends are three Node processes on
// 127.0.0.11-13 answering a tiny fixed body, with Tomcat's 20 s idle timeout.
// Everything shares this machine's cores, as nothing else can here.
//
// Run alone: `npm run build && node bench/nginx.js`.
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {availableParallelism, userInfo} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {spawnBackends} from '../test/harness/backends.ts'
import {startNginx} from '../test/harness/nginx.ts'
import {requireBinary} from '../test/harness/process.ts'

// The built core; FLEET_BENCH_NGINX_CORE points at another build of it.
const CORE = process.env.FLEET_BENCH_NGINX_CORE
  ? pathToFileURL(process.env.FLEET_BENCH_NGINX_CORE)
  : new URL('../dist/src/nginx/index.js', import.meta.url)
const STORY = new URL('../src/nginx/fixtures/story.conf', import.meta.url)
const ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13']
const UPSTREAM = 'honorsParkingBackend'
const UPSTREAM_FILE = 'conf.d/fleet-upstream.conf'
// Fixed for every config and every run. 64 connections: enough to keep one
// worker busy, far below worker_connections (each proxied request holds a
// client and an upstream connection). The configs take turns, ROUNDS times,
// so that a burst of other work on the machine does not land on one config
// only; each figure is the mean of its rounds. 2 rounds of 6 s (+1 s warm-up)
// keep the whole rig under a minute.
const WRK = {threads: 2, connections: 64, seconds: 6}
// The story's scale: more clients than the story's config can hold (about
// 512). A request fails when its connection fails or its answer is not 2xx;
// one slower than 10 s counts as failed too (wrk's default, 2 s, is only a
// latency when 1,500 clients, nginx and the backends share two cores).
const WRK_SCALE = {threads: 2, connections: Number(process.env.FLEET_BENCH_NGINX_CLIENTS ?? 1500), seconds: 6, timeout: '10s'}
const WARM_UP_SECONDS = 1
const ROUNDS = Number(process.env.FLEET_BENCH_NGINX_ROUNDS ?? 2)
const TARGET = 1.8
const ARCH6 = {workerProcesses: 'auto', workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'}
const ARCH6_NO_KEEPALIVE = {workerProcesses: 'auto', workerConnections: 2048}

/**
 * Runs the three configs under wrk, prints the table and the ratios, and
 * returns the figures. Throws when the rig cannot run (no wrk, no build).
 */
export async function benchNginx() {
  const wrk = requireBinary('wrk', 'apt-get install wrk (scripts/setup.sh, which .ci/run sources, installs it)')
  if (!existsSync(CORE)) {
    throw new Error(`${fileURLToPath(CORE)} is missing: run \`npm run build\` first (npm run bench does); with the esbuild build, src/nginx/index.ts must be one of its entry points (out: src/nginx/index)`)
  }
  const {planNginxFiles} = await import(CORE.href)

  const backends = await spawnBackends(ADDRESSES, 0)
  try {
    const servers = backends.servers.map((s) => s.server)
    const original = storyRigConfig(readFileSync(STORY, 'latin1'), servers)
    const plan = (settings) =>
      planNginxFiles({config: original, upstreamFile: null, servers, settings, target: {upstream: UPSTREAM, upstreamInclude: `@PREFIX@/${UPSTREAM_FILE}`}})
    const b = plan(ARCH6_NO_KEEPALIVE)
    const c = plan(ARCH6)
    if (!c.config.changes.some((ch) => ch.action === 'add-keepalive') || !/keepalive 64;/.test(c.upstreamFile)) {
      throw new Error(`fleet's arch 6 config has no upstream keep-alive: (c) would measure the wrong thing:\n${c.config.text}`)
    }
    for (const [id, p] of [['b', b], ['c', c]]) console.log(`(${id}) fleet changed: ${p.config.changes.map((ch) => ch.summary).join('; ')}`)
    const configs = [
      {id: 'a', label: 'story: 1 worker, 1024 connections, no keep-alive', configText: original, files: {}},
      {id: 'b', label: 'arch 6 without keep-alive (fleet)', configText: b.config.text, files: {[UPSTREAM_FILE]: b.upstreamFile}},
      {id: 'c', label: 'arch 6 as fleet writes it', configText: c.config.text, files: {[UPSTREAM_FILE]: c.upstreamFile}},
    ]
    const runs = configs.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, config] of configs.entries()) runs[i].push(await measure(wrk, config, backends, WRK))
    }
    const result = report(configs.map((config, i) => combine(config, runs[i])))
    return {...result, scale: await atScale(wrk, [configs[0], configs[2]], backends)}
  } finally {
    await backends.stop()
  }
}

/**
 * The story's config for this machine. Only paths, addresses, ports and TLS
 * change: workers, connections, headers, logging and the inline upstream
 * stay as the story wrote them. Each change must apply, so that a changed
 * fixture fails here instead of benchmarking something else.
 */
function storyRigConfig(story, servers) {
  const user = process.getuid?.() === 0 ? 'root' : userInfo().username
  const swaps = [
    [/^user\s+nginx;/m, `user  ${user};`],
    [/\/var\/log\/nginx\//g, '@PREFIX@/logs/'],
    ['/var/run/nginx.pid', '@PREFIX@/logs/nginx.pid'],
    ['listen 80;', 'listen 127.0.0.1:@PORT_HTTP@;'],
    // wrk talks to the server that proxies, over plain HTTP.
    ['listen 443 ssl;', 'listen 127.0.0.1:@PORT@;'],
    [/^\s*(ssl_certificate|ssl_certificate_key|ssl_dhparam) .*\n/gm, ''],
    [/^\s*include \/etc\/letsencrypt\/.*\n/m, ''],
    [/^(\s*)server 3\.35\.1\.1:8080;\n\s*server 3\.35\.1\.2:8080;\n/m, (_, indent) => servers.map((s) => `${indent}server ${s};\n`).join('')],
  ]
  return swaps.reduce((text, [from, to]) => {
    const next = text.replace(from, to)
    if (next === text) throw new Error(`story.conf no longer has ${from}: update bench/nginx.js`)
    return next
  }, story)
}

/**
 * (a) and (c) under WRK_SCALE's clients, in turns, ROUNDS times. Skipped,
 * with the reason, when this process may not open that many files.
 */
async function atScale(wrk, configs, backends) {
  const needed = WRK_SCALE.connections + 1024
  const limit = openFileLimit()
  if (limit !== null && limit < needed) {
    const skipped = `needs ${needed} open files, the limit is ${limit} (ulimit -n; the hard limit: ulimit -Hn)`
    console.log(`nginx rig at ${WRK_SCALE.connections} clients: not run: ${skipped}\n`)
    return {clients: WRK_SCALE.connections, skipped, configs: []}
  }
  const runs = configs.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, config] of configs.entries()) runs[i].push(await measure(wrk, config, backends, WRK_SCALE))
  }
  const rows = configs.map((config, i) => combine(config, runs[i]))
  console.log(`nginx rig at the story's scale: wrk -t${WRK_SCALE.threads} -c${WRK_SCALE.connections} -d${WRK_SCALE.seconds}s --timeout ${WRK_SCALE.timeout}, ${ROUNDS} round(s) each after a ${WARM_UP_SECONDS} s warm-up`)
  console.log(table(
    ['config', 'workers', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'socket errors (connect/read/write/timeout)', 'non-2xx', '"worker_connections are not enough"'],
    rows.map((r) => [`(${r.id}) ${r.label}`, r.workers, r.rps.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.requests, socketErrorText(r.socketErrors), r.non2xx, r.connectionsShort]),
  ))
  console.log(`read errors: nginx closed the connection (short of worker_connections, it closes idle keep-alive clients); timeouts: no answer within ${WRK_SCALE.timeout}`)
  for (const r of rows) for (const line of r.nginxErrors.slice(0, 2)) console.log(`  (${r.id}) nginx: ${line}`)
  console.log('')
  return {clients: WRK_SCALE.connections, skipped: null, configs: rows.map((r) => ({...r, errors: socketErrorCount(r.socketErrors) + r.non2xx}))}
}

/** The soft limit of open files of this process (Linux), or null where it cannot be read. */
export function openFileLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft) || null
  } catch {
    return null
  }
}

function socketErrorText(s) {
  return `${socketErrorCount(s)} (${s ? [s.connect, s.read, s.write, s.timeout].join('/') : '0/0/0/0'})`
}

function socketErrorCount(s) {
  return s ? s.connect + s.read + s.write + s.timeout : 0
}

/** One config's rounds as one row: mean req/s and latencies, summed counts. */
function combine(config, runs) {
  const mean = (key) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length
  const sum = (key) => runs.reduce((total, r) => total + r[key], 0)
  return {
    id: config.id,
    label: config.label,
    workers: runs[0].workers,
    rps: mean('rps'),
    roundsRps: runs.map((r) => r.rps),
    p50Ms: mean('p50Ms'),
    p99Ms: mean('p99Ms'),
    requests: sum('requests'),
    perBackend: runs[0].perBackend.map((_, b) => runs.reduce((total, r) => total + r.perBackend[b], 0)),
    upstreamConnections: sum('upstreamConnections'),
    socketErrors: runs.map((r) => r.socketErrors).reduce(addErrors),
    non2xx: sum('non2xx'),
    nginxErrors: runs.flatMap((r) => r.nginxErrors),
    connectionsShort: sum('connectionsShort'),
  }
}

function addErrors(a, b) {
  if (!a || !b) return a ?? b
  return {connect: a.connect + b.connect, read: a.read + b.read, write: a.write + b.write, timeout: a.timeout + b.timeout}
}

async function measure(wrk, config, backends, params) {
  const nginx = await startNginx({configText: config.configText, files: config.files})
  try {
    const workers = (await nginx.workers()).length
    await runWrk(wrk, nginx.url, {...params, seconds: WARM_UP_SECONDS})
    const before = await Promise.all(backends.servers.map((s) => s.stats()))
    const run = await runWrk(wrk, nginx.url, params)
    const after = await Promise.all(backends.servers.map((s) => s.stats()))
    const perBackend = after.map((s, i) => s.requests - before[i].requests)
    const upstreamConnections = after.reduce((sum, s, i) => sum + s.connections - before[i].connections, 0)
    const log = await readFile(join(nginx.prefix, 'logs', 'error.log'), 'utf8').catch(() => '')
    const nginxErrors = errorLines(log)
    // nginx closes idle client connections to make room ([warn], not an error line).
    const connectionsShort = log.split('\n').filter((line) => line.includes('worker_connections are not enough')).length
    return {workers, ...run, perBackend, upstreamConnections, nginxErrors, connectionsShort}
  } finally {
    await nginx.stop()
  }
}

/** One wrk run against `url`; its figures, and what would make them invalid. */
function runWrk(wrk, url, {threads, connections, seconds, timeout}) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, ...(timeout ? ['--timeout', timeout] : []), '--latency', `${url}/`]
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (out += chunk))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}`))
      try {
        resolve(parseWrk(out))
      } catch (error) {
        reject(error)
      }
    })
  })
}

function parseWrk(out) {
  const number = (re) => Number(re.exec(out)?.[1] ?? Number.NaN)
  const rps = number(/Requests\/sec:\s+([\d.]+)/)
  if (!Number.isFinite(rps)) throw new Error(`no Requests/sec in wrk's output:\n${out}`)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const socketErrors = socket ? {connect: +socket[1], read: +socket[2], write: +socket[3], timeout: +socket[4]} : null
  return {
    rps,
    requests: number(/(\d+) requests in/),
    p50Ms: latencyMs(out, '50%'),
    p99Ms: latencyMs(out, '99%'),
    socketErrors,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) || 0,
  }
}

function latencyMs(out, percentile) {
  const match = new RegExp(`^\\s*${percentile}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out)
  if (!match) return Number.NaN
  return Number(match[1]) * {us: 0.001, ms: 1, s: 1000}[match[2]]
}

/** error, crit, alert and emerg lines of nginx's error log (the story logs at notice). */
function errorLines(text) {
  return text.split('\n').filter((line) => /\[(error|crit|alert|emerg)\]/.test(line))
}

function report(rows) {
  const [a, b, c] = rows
  const threads = `wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s`
  console.log(`nginx rig: ${threads} against nginx and three backend processes (${ADDRESSES.join(', ')}), ${availableParallelism()} cores shared by all`)
  console.log(`each config ${ROUNDS} time(s), in turns, after a ${WARM_UP_SECONDS} s warm-up each; req/s and latencies are means, counts are totals`)
  console.log(table(
    ['config', 'workers', 'req/s', 'rounds', 'p50 ms', 'p99 ms', 'requests per backend', 'upstream conns', 'errors'],
    rows.map((r) => [
      `(${r.id}) ${r.label}`,
      r.workers,
      r.rps.toFixed(0),
      r.roundsRps.map((v) => v.toFixed(0)).join(' '),
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(2),
      r.perBackend.join('/'),
      r.upstreamConnections,
      describeErrors(r),
    ]),
  ))
  const invalid = rows.filter((r) => describeErrors(r) !== 'none')
  for (const r of invalid) {
    console.log(`(${r.id}) had errors, so its figure is not clean: ${describeErrors(r)}`)
    for (const line of r.nginxErrors.slice(0, 3)) console.log(`  nginx: ${line}`)
  }
  const ca = c.rps / a.rps
  const cb = c.rps / b.rps
  console.log(`(c)/(a): ${ca.toFixed(2)}x (target ≥ ${TARGET}x) ${ca >= TARGET ? 'MET' : 'NOT MET'}${invalid.length ? ' (with errors, see above)' : ''}`)
  console.log(`(c)/(b): ${cb.toFixed(2)}x (upstream keep-alive alone); (b)/(a): ${(b.rps / a.rps).toFixed(2)}x (workers and connections alone)\n`)
  return {
    wrk: {...WRK, warmUpSeconds: WARM_UP_SECONDS, rounds: ROUNDS},
    configs: rows,
    ratioCA: ca,
    ratioCB: cb,
    target: TARGET,
    met: ca >= TARGET,
    valid: invalid.length === 0,
  }
}

function describeErrors(r) {
  const parts = []
  const s = r.socketErrors
  if (s && s.connect + s.read + s.write + s.timeout > 0) parts.push(`socket connect ${s.connect} read ${s.read} write ${s.write} timeout ${s.timeout}`)
  if (r.non2xx) parts.push(`${r.non2xx} non-2xx`)
  if (r.nginxErrors.length) parts.push(`${r.nginxErrors.length} nginx error lines`)
  return parts.length ? parts.join(', ') : 'none'
}

function table(head, rows) {
  const cells = [head, ...rows].map((row) => row.map(String))
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await benchNginx()
  } catch (error) {
    process.exitCode = 1
    console.error(`nginx bench failed: ${error?.stack ?? error}`)
  }
}
