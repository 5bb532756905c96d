// `fleet up` converging in the time of its slowest account (spec section 8,
// issue: up/down item 9). Every account's instance starts stopped; the
// slow-AWS proxy makes each take its own time to start (10-30 s, varied per
// account, plus status checks) so that moto's instant state changes do not
// hide a serial run. Measured: T(up over N accounts) ÷ T(up over the slowest
// account alone), target ≤ 1.15, for N = 1, 4 and 10; then the AWS calls of
// a converged re-run (target: reads only).
//
// The rig is the tests': moto behind the proxy, a real sshd as the LB host,
// a real nginx and one backend per account on its own loopback address.
import {StopInstancesCommand} from '@aws-sdk/client-ec2'

import {startBackends} from '../test/harness/backends.ts'
import {startLatencyProxy} from '../test/harness/latency-proxy.ts'
import {accountEc2, fleetEnv, roleArn, runFleet, seedAccount, startMoto, tempDir, uniqueAccountId, writeProfile} from '../test/harness/moto.ts'
import {startNginx, storyNginxConfig} from '../test/harness/nginx.ts'
import {startSshd} from '../test/harness/sshd.ts'

const SIZES = [1, 4, 10]
const TARGET = 1.15
const SLOWEST_MS = 30_000
const MUTATING = /^(Start|Stop|Modify|Create|Delete|Authorize|Revoke|Reboot|Terminate|Run)/

/** Runs the `up` bench; `cleanups` gets what to stop. Returns the table's rows for the summary. */
export async function benchUp(cleanups) {
  const moto = await startMoto()
  cleanups.push(() => moto.stop())
  const proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  cleanups.push(() => proxy.stop())
  const sshd = await startSshd()
  cleanups.push(() => sshd.dispose())
  const n = Math.max(...SIZES)
  const ips = Array.from({length: n}, (_, i) => `127.0.0.${70 + i}`)
  const backends = await startBackends(ips)
  cleanups.push(() => backends.stop())
  const port = backends.servers[0].port
  const nginx = await startNginx({configText: storyNginxConfig([`${ips[0]}:${port}`])})
  cleanups.push(() => nginx.stop())

  // Account 0 is the slowest (30 s) and runs nginx and an app; the others start in 10-29 s.
  const accounts = await Promise.all(
    ips.map(async (ip, i) => {
      const accountId = uniqueAccountId()
      const seeded = await seedAccount(moto, {accountId, instances: [{tags: {fleet: `a${i}`}, privateIp: ip, state: 'stopped'}]})
      const transitionMs = i === 0 ? SLOWEST_MS : 10_000 + Math.round((i * 19_000) / n)
      return {name: `a${i}`, accountId, id: seeded.instanceIds[0], transitionMs}
    }),
  )
  const slow = proxy.slowAws({initializingMs: 2000, instances: Object.fromEntries(accounts.map((a) => [a.id, {transitionMs: a.transitionMs}]))})
  void slow
  const dir = tempDir('fleet-bench-up-')
  const env = fleetEnv(proxy, {FLEET_WAIT_MIN_DELAY: '0.5', FLEET_WAIT_MAX_DELAY: '1'})

  const profileOf = (count) =>
    writeProfile(dir, {
      region: 'ap-northeast-2',
      hub: {source: 'env'},
      accounts: Object.fromEntries(
        accounts.slice(0, count).map((a, i) => [
          a.name,
          {accountId: a.accountId, roleArn: roleArn(a.accountId), instance: {tag: {fleet: a.name}}, ...(i === 0 ? {ssh: {host: sshd.host, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile}} : {})},
        ]),
      ),
      nginx: {on: 'a0', config: nginx.confPath, upstreamFile: `${nginx.prefix}/conf.d/fleet-upstream.conf`, upstream: 'honorsParkingBackend', ...nginx.commands, address: 'private'},
      apps: {port, health: '/actuator/health'},
      architectures: {all: {apps: accounts.slice(0, count).map((a) => a.name)}},
    }, `up-${count}`)

  /** Every instance back to stopped at once, behind the proxy's back (moto is instant). */
  const stopAll = async () => {
    await Promise.all(
      accounts.map(async (a) => {
        const ec2 = await accountEc2(moto, a.accountId)
        await ec2.send(new StopInstancesCommand({InstanceIds: [a.id]}))
        ec2.destroy()
      }),
    )
  }

  const rows = []
  let alone
  for (const count of SIZES) {
    await stopAll()
    const file = await profileOf(count)
    proxy.clear()
    const started = performance.now()
    const run = await runFleet(['up', '--arch', 'all', '--yes', '--profile', file, '--json'], {env, timeoutMs: 300_000})
    const ms = performance.now() - started
    if (run.exitCode !== 0) throw new Error(`fleet up over ${count} accounts exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
    if (count === 1) alone = ms
    const starts = proxy.requests({action: 'StartInstances'}).map((r) => r.startedAt)
    rows.push({count, ms, ratio: ms / alone, startSpread: Math.max(...starts) - Math.min(...starts)})
  }
  // The converged re-run: nothing to do, and only read calls.
  proxy.clear()
  const file = await profileOf(n)
  const started = performance.now()
  const again = await runFleet(['up', '--arch', 'all', '--yes', '--profile', file, '--json'], {env, timeoutMs: 120_000})
  const rerunMs = performance.now() - started
  const actions = [...new Set(proxy.requests().map((r) => r.action))].sort()
  const writes = actions.filter((a) => MUTATING.test(a ?? ''))
  print(rows, {exit: again.exitCode, rerunMs, actions, writes})
  return {rows, rerun: {ms: rerunMs, writes, exitCode: again.exitCode}, target: TARGET}
}

function print(rows, rerun) {
  console.log(`\n\`fleet up\` from all stopped, each account's start taking 10-${SLOWEST_MS / 1000} s (slow-AWS proxy), the slowest alone first:`)
  console.log(['accounts  T(up) s  ÷ T(slowest alone)  starts sent within  target ≤ 1.15'].join(''))
  for (const r of rows) {
    console.log(`${String(r.count).padStart(8)}  ${(r.ms / 1000).toFixed(1).padStart(7)}  ${r.ratio.toFixed(2).padStart(18)}x  ${(r.startSpread / 1000).toFixed(2).padStart(16)} s  ${r.ratio <= TARGET ? 'MET' : 'NOT MET'}`)
  }
  console.log(`converged re-run over ${rows.at(-1).count} accounts: exit ${rerun.exit}, ${(rerun.rerunMs / 1000).toFixed(1)} s, AWS calls: ${rerun.actions.join(', ')} · writes: ${rerun.writes.length === 0 ? 'none (MET)' : `${rerun.writes.join(', ')} (NOT MET)`}`)
}
