// `npm run bench` (after the build): the speed targets of spec section 8,
// measured on this machine in one run.
//
// 1. `fleet status --json` over 1, 10 and 50 accounts, with 100 ms added to
//    every AWS call by the latency proxy in front of moto, with a cold
//    credential cache (fresh FLEET_HOME, no `fleet-session` keychain entries)
//    and a warm one (the same command again).
// 2. `fleet --help` against `node -e 0` (start-up time).
// 3. nginx under wrk: see bench/nginx.js.
// 4. `fleet up` converging in the time of its slowest account: see bench/up.js.
//
// Each part prints its details as it goes; at the end ONE table holds every
// figure with its target and MET / NOT MET (the README keeps the latest).
//
// FLEET_BENCH_ONLY=status,help,nginx,up runs only those parts.
// The harness modules are TypeScript: Node 22.18+ runs them by stripping
// their types, so the bench and the tests share one harness.
import {spawnSync} from 'node:child_process'
import {availableParallelism, loadavg} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import pLimit from 'p-limit'

import {deleteAllSecrets, startKeyring} from '../test/harness/keyring.ts'
import {startLatencyProxy} from '../test/harness/latency-proxy.ts'
import {fleetEnv, removeTempDirs, runFleet, seedAccount, startMoto, tempDir, writeProfile} from '../test/harness/moto.ts'
import {benchNginx, openFileLimit} from './nginx.js'
import {benchSummary} from './summary.js'
import {benchUp} from './up.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SIZES = [1, 10, 50]
const DELAY_MS = 100
const REGION = 'ap-northeast-2'
const HELP_RUNS = 11
const TARGETS = {ratio10: 1.3, ratio50: 2, help: 2.5}
const MOTO_SERVERS = Number(process.env.FLEET_BENCH_MOTO_SERVERS ?? 3)
const REPEAT = Number(process.env.FLEET_BENCH_REPEAT ?? 3)
const ONLY = new Set((process.env.FLEET_BENCH_ONLY ?? 'status,help,nginx,up').split(','))

/** Open files the nginx rig's 1,500 clients need (wrk, nginx and the backends inherit the limit). */
const NOFILE = 16_384

raiseOpenFileLimit()

const cleanups = []
const started = new Date()
const summary = benchSummary()
process.on('SIGINT', () => cleanup().finally(() => process.exit(130)))

try {
  await main()
} catch (error) {
  process.exitCode = 1
  console.error(`bench failed: ${error?.stack ?? error}`)
} finally {
  await cleanup()
  summary.print(started)
}

/**
 * Node cannot raise its own file limit: when the soft limit is below
 * NOFILE, the bench runs itself again under `ulimit -n` (up to the hard
 * limit), once.
 */
function raiseOpenFileLimit() {
  const soft = openFileLimit()
  if (soft === null || soft >= NOFILE || process.env.FLEET_BENCH_NOFILE_RAISED) return
  const raise = `hard=$(ulimit -Hn); if [ "$hard" = unlimited ] || [ "$hard" -ge ${NOFILE} ]; then ulimit -n ${NOFILE}; else ulimit -n "$hard"; fi; exec "$0" "$@"`
  const run = spawnSync('sh', ['-c', raise, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {stdio: 'inherit', env: {...process.env, FLEET_BENCH_NOFILE_RAISED: '1'}})
  process.exit(run.status ?? 1)
}

async function main() {
  const load = loadavg().map((l) => l.toFixed(2)).join(' ')
  console.log(`fleet bench · node ${process.version} · ${availableParallelism()} cores, load ${load} · open files ${openFileLimit() ?? '?'} · ${started.toISOString()}\n`)
  cleanups.push(removeTempDirs)
  if (ONLY.has('up')) summary.up(await benchUp(cleanups))
  if (!ONLY.has('status') && !ONLY.has('help') && !ONLY.has('nginx')) return
  const keyring = await startKeyring()
  cleanups.push(() => keyring.stop())
  // The CLI's children inherit it through fleetEnv().
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress
  // One moto serves about 70 requests a second here (Python, one process);
  // several, each holding some of the accounts, keep moto's own throughput
  // from being what a 50-account run measures.
  const motos = await Promise.all(Array.from({length: MOTO_SERVERS}, () => startMoto()))
  cleanups.push(() => Promise.all(motos.map((m) => m.stop())))
  const proxy = await startLatencyProxy({target: motos.map((m) => m.endpoint), delayMs: 0})
  cleanups.push(() => proxy.stop())

  // Seeded through the proxy, so that each account lands on its moto.
  const accounts = await seedAccounts(proxy, Math.max(...SIZES))
  proxy.setDelay(DELAY_MS)
  // Twice: AWS answered by moto (whose serial service time grows with the
  // accounts), then by the proxy replaying moto's own answers, which is
  // what AWS looks like from here: 100 ms whatever the number of callers.
  if (ONLY.has('status')) {
    const moto = await benchStatus({proxy, keyring, accounts})
    printStatusTable(moto, 'moto answers every call')
    summary.status(moto, 'moto answers', TARGETS)
    proxy.setReplay(true)
    const replayed = await benchStatus({proxy, keyring, accounts})
    printStatusTable(replayed, "the proxy replays moto's answers (fleet's own parallelism)")
    summary.status(replayed, 'answers replayed', TARGETS)
    proxy.setReplay(false)
  }
  if (ONLY.has('help')) {
    const timing = benchHelp(proxy)
    printHelpTiming(timing)
    summary.help(timing, {runs: HELP_RUNS, target: TARGETS.help})
  }
  if (ONLY.has('nginx')) summary.nginx(await benchNginx())
}

/** Accounts bench-01..bench-50, each with one running t2.micro tagged `fleet: <name>`. */
async function seedAccounts(target, count) {
  const started = Date.now()
  const limit = pLimit(8)
  const accounts = Array.from({length: count}, (_, i) => {
    const name = `bench-${String(i + 1).padStart(2, '0')}`
    return {name, accountId: String(210_000_000_001 + i)}
  })
  await Promise.all(
    accounts.map((a) =>
      limit(() => seedAccount(target, {accountId: a.accountId, region: REGION, instances: [{tags: {fleet: a.name}}]})),
    ),
  )
  console.log(`seeded ${count} accounts in ${MOTO_SERVERS} moto server(s) in ${Date.now() - started} ms\n`)
  return accounts
}

function profileFor(accounts) {
  return {
    region: REGION,
    hub: {source: 'env'},
    accounts: Object.fromEntries(
      accounts.map((a) => [
        a.name,
        {accountId: a.accountId, roleArn: `arn:aws:iam::${a.accountId}:role/FleetOperator`, instance: {tag: {fleet: a.name}}},
      ]),
    ),
  }
}

async function benchStatus({proxy, keyring, accounts}) {
  const dir = tempDir('fleet-bench-')
  // One untimed run first, so that T(1) does not also pay for cold disk caches.
  await timeStatus(await writeProfile(dir, profileFor(accounts.slice(0, 1)), 'warm-up'), fleetEnv(proxy), 1)
  const rows = []
  for (const n of SIZES) {
    const profile = await writeProfile(dir, profileFor(accounts.slice(0, n)), `bench-${n}`)
    // Untimed: with replay on, this run's answers are the ones kept.
    await deleteAllSecrets(keyring.env, 'fleet-session')
    await timeStatus(profile, fleetEnv(proxy), n)
    const colds = []
    const warms = []
    let coldCalls
    let warmCalls
    // Medians of a few pairs: one run alone is at the mercy of the machine.
    for (let i = 0; i < REPEAT; i++) {
      // Cold: a FLEET_HOME never used, and no cached role sessions.
      const env = fleetEnv(proxy)
      await deleteAllSecrets(keyring.env, 'fleet-session')
      proxy.clear()
      colds.push(await timeStatus(profile, env, n))
      coldCalls = callStats(proxy)
      proxy.clear()
      warms.push(await timeStatus(profile, env, n))
      warmCalls = callStats(proxy)
    }
    rows.push({n, cold: median(colds), warm: median(warms), coldCalls, warmCalls})
  }
  return rows
}

/** What the proxy saw during one run: calls, AssumeRoles, most in flight at once, moto's own time per call. */
function callStats(proxy) {
  const upstream = proxy.records.map((r) => r.upstreamMs ?? 0)
  return {
    calls: proxy.records.length,
    assumeRoles: proxy.count({action: 'AssumeRole'}),
    peak: proxy.peakInFlight(),
    motoMs: upstream.length ? upstream.reduce((a, b) => a + b, 0) / upstream.length : 0,
    replayed: proxy.records.filter((r) => r.replayed).length,
  }
}

/** Milliseconds of one `fleet status --json` run, or null (with the reason printed) when it failed. */
async function timeStatus(profile, env, n) {
  const started = performance.now()
  let run
  try {
    run = await runFleet(['status', '--profile', profile, '--json'], {env, timeoutMs: 180_000})
  } catch (error) {
    console.error(`status over ${n} accounts could not run: ${error.message}`)
    return null
  }
  const ms = performance.now() - started
  const failure = statusFailure(run, n)
  if (failure) {
    console.error(`status over ${n} accounts failed (exit ${run.exitCode}): ${failure}`)
    return null
  }
  return ms
}

/** Why a run does not count, or undefined: it must exit 0 and report every account ok. */
function statusFailure(run, n) {
  let result
  try {
    result = JSON.parse(run.stdout)
  } catch {
    return `stdout is not JSON: ${firstLines(run.stderr || run.stdout)}`
  }
  if (result?.error) return `${result.error.code}: ${result.error.message}`
  const accounts = result?.accounts ?? []
  const bad = accounts.filter((a) => !a.ok)
  if (bad.length) return `${bad.length} accounts not ok, e.g. ${JSON.stringify(bad[0].error)}`
  if (accounts.length !== n) return `expected ${n} accounts in the JSON, got ${accounts.length}`
  if (run.exitCode !== 0) return firstLines(run.stderr)
  return undefined
}

function printStatusTable(rows, how) {
  const base = rows.find((r) => r.n === 1)
  console.log(`fleet status --json, ${DELAY_MS} ms added to every AWS call, ${how} (median of ${REPEAT} runs each; calls of the last run)`)
  console.log(table(
    ['accounts', 'cold ms', 'warm ms', 'cold / T(1)', 'warm / T(1)', 'target', 'cold calls', 'warm calls'],
    rows.map((r) => [
      r.n,
      fmt(r.cold),
      fmt(r.warm),
      ratio(r.cold, base?.cold),
      ratio(r.warm, base?.warm),
      r.n === 10 ? `≤ ${TARGETS.ratio10}x` : r.n === 50 ? `≤ ${TARGETS.ratio50}x` : '',
      describeCalls(r.coldCalls),
      describeCalls(r.warmCalls),
    ]),
  ))
  console.log('calls: AWS requests (AssumeRole among them), most in flight at once, moto\'s own mean ms per call on top of the added delay')
  for (const [n, target] of [[10, TARGETS.ratio10], [50, TARGETS.ratio50]]) {
    const row = rows.find((r) => r.n === n)
    for (const cache of ['cold', 'warm']) {
      const r = row && base && row[cache] && base[cache] ? row[cache] / base[cache] : null
      console.log(`T(${n})/T(1) ${cache}: ${r === null ? 'n/a' : `${r.toFixed(2)}x`} (target ≤ ${target}x) ${verdict(r, target)}`)
    }
  }
  console.log('')
}

/** Median wall time of `fleet --help` and of `node -e 0`, interleaved so both see the same machine load. */
function benchHelp(target) {
  const env = fleetEnv(target)
  const help = []
  const bare = []
  for (let i = 0; i < HELP_RUNS; i++) {
    bare.push(timeSync(process.execPath, ['-e', '0'], env))
    help.push(timeSync(process.execPath, [join(ROOT, 'bin', 'run.js'), '--help'], env))
    // One failure says it all.
    if (help.at(-1) === null || bare.at(-1) === null) break
  }
  return {help: median(help), bare: median(bare)}
}

function printHelpTiming({help, bare}) {
  const r = help !== null && bare ? help / bare : null
  console.log(`start-up, median of ${HELP_RUNS} runs`)
  console.log(table(['command', 'ms'], [['node -e 0', fmt(bare)], ['fleet --help', fmt(help)]]))
  console.log(`fleet --help / node -e 0: ${r === null ? 'n/a' : `${r.toFixed(2)}x`} (target ≤ ${TARGETS.help}x) ${verdict(r, TARGETS.help)}\n`)
}

function timeSync(command, args, env) {
  const started = performance.now()
  const run = spawnSync(command, args, {env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  const ms = performance.now() - started
  if (run.status !== 0) {
    console.error(`${args.join(' ')} exited ${run.status}: ${firstLines(run.stderr.toString())}`)
    return null
  }
  return ms
}

function median(values) {
  const ok = values.filter((v) => v !== null).sort((a, b) => a - b)
  if (ok.length !== values.length) return null
  return ok[Math.floor(ok.length / 2)]
}

function table(head, rows) {
  const cells = [head, ...rows].map((row) => row.map(String))
  const widths = head.map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  const line = (row) => row.map((cell, i) => cell.padStart(widths[i])).join('  ')
  return [line(cells[0]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n')
}

function describeCalls(c) {
  return `${c.calls} (${c.assumeRoles} AssumeRole), peak ${c.peak}, moto ${c.motoMs.toFixed(0)} ms${c.replayed ? `, ${c.replayed} replayed` : ''}`
}

function fmt(ms) {
  return ms === null || ms === undefined ? 'failed' : ms.toFixed(0)
}

function ratio(value, base) {
  return value && base ? `${(value / base).toFixed(2)}x` : ''
}

function verdict(value, target) {
  if (value === null) return ''
  return value <= target ? 'MET' : 'NOT MET'
}

/** The error line of a Node stack trace if there is one, else the first lines. */
function firstLines(text) {
  const lines = String(text).trim().split('\n')
  const error = lines.find((l) => /^\w*Error\b/.test(l.trim()))
  return error ? error.trim() : lines.slice(0, 3).join(' | ')
}

async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()()
    } catch (error) {
      console.error(`cleanup: ${error.message}`)
    }
  }
}
