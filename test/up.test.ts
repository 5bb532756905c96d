/**
 * `fleet up` and `fleet down` end to end with real peers, on the story rig:
 * moto behind the slow-AWS proxy (instances take time to change state, AWS's
 * refusals, a capacity error on demand), a real sshd as the LB host, a real
 * nginx and three backends on their own loopback addresses. nginx.address
 * is private, so nothing is ever sent to moto's made-up public IPs.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeInstancesCommand, TerminateInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {accountEc2, fleetEnv, runFleet, startFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'

const MUTATING = /^(Start|Stop|Modify|Create|Delete|Authorize|Revoke|Reboot|Terminate|Run)/
const TIMING = {transitionMs: 300, initializingMs: 200}

let rig: StoryRig

// The story's four accounts (the LB with an idle Elastic IP), and app-4, whose instance a test terminates.
beforeAll(async () => {
  rig = await startStoryRig({base: 40, ...TIMING, dbs: [], accounts: {lb: {elasticIps: {idle: 1}}, 'app-4': {}}})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

beforeEach(() => rig.proxy.clear())

const port = () => rig.backends.servers[0]!.port
const appIps = () => rig.addresses.apps

/** The story's fleet: architecture 6 (LB on t2.medium, three apps, keep-alive), 3 (t2.micro, two apps), 2 (one app). */
async function profile(extra: {architectures?: object; accounts?: object} = {}, name = 'up'): Promise<string> {
  const nginx = rig.nginxSection()
  // The LB's reload logs what the upstream held at each reload: it proves the drain came before the stop.
  const reloadLog = join(rig.dir, `${name}-reloads.log`)
  return rig.writeProfile({
    accounts: {lb: rig.account('lb'), 'app-1': rig.account('app-1'), 'app-2': rig.account('app-2'), 'app-3': rig.account('app-3'), ...extra.accounts},
    nginx: {...nginx, reload: `{ date +%s%3N; cat ${nginx.upstreamFile}; } >> ${reloadLog}; ${rig.nginx.commands.reload}`},
    apps: {port: port(), health: '/actuator/health'},
    rds: null,
    architectures: {
      '2': {lb: {instanceType: 't2.micro'}, apps: ['app-1']},
      '3': {lb: {instanceType: 't2.micro'}, apps: ['app-1', 'app-2']},
      '6': {lb: {instanceType: 't2.medium'}, apps: ['app-1', 'app-2', 'app-3'], nginx: {workerProcesses: 2, workerConnections: 2048, keepalive: 16}},
      ...extra.architectures,
    },
  }, name)
}

const quick = (extra: Record<string, string> = {}) => fleetEnv(rig.proxy, {FLEET_WAIT_MIN_DELAY: '0.05', FLEET_WAIT_MAX_DELAY: '0.2', ...extra})
const mutatingCalls = () => rig.proxy.requests().filter((r) => MUTATING.test(r.action ?? ''))

/** Forgets every transition, timing and failure a test set (an instance still `pending` is reported as moto has it), then slows AWS again. */
function resetSlowAws(): void {
  rig.slow.off()
  rig.proxy.slowAws(TIMING)
}

/** The instance as moto has it. */
async function stateOf(account: string): Promise<{state: string; type: string}> {
  const ec2 = await accountEc2(rig.moto, rig.ids[account]!)
  const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [rig.instanceIds[account]!]}))
  ec2.destroy()
  const i = out.Reservations![0]!.Instances![0]!
  return {state: i.State!.Name!, type: i.InstanceType!}
}

/** The instance's state as fleet sees it: through the slow-AWS proxy. */
async function reportedState(account: string): Promise<string> {
  const ec2 = await accountEc2(rig.proxy, rig.ids[account]!)
  try {
    const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [rig.instanceIds[account]!]}))
    return out.Reservations![0]!.Instances![0]!.State!.Name!
  } finally {
    ec2.destroy()
  }
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Requests through nginx, and which backends they reached over how many
 * connections. `nginx -s reload` returns before the old workers (old upstream)
 * have gone: the requests wait until none of `oldWorkers` is left.
 */
async function traffic(oldWorkers: number[], n = 30): Promise<{reached: number; connections: number}> {
  await until('nginx reloaded (its old workers gone)', async () => {
    const workers = await rig.nginx.workers()
    return workers.length > 0 && workers.every((pid) => !oldWorkers.includes(pid))
  })
  rig.backends.clear()
  for (let i = 0; i < n; i++) await (await fetch(`${rig.nginx.url}/parking/${i}`)).text()
  return {reached: rig.backends.servers.filter((b) => b.requests.length > 0).length, connections: rig.backends.servers.reduce((c, b) => c + b.connections(), 0)}
}

describe('fleet up', () => {
  it('refuses without a TTY and without --yes, changing nothing (exit 4), and --dry-run only prints the plan', async () => {
    const file = await profile()
    const refused = await runFleet(['up', '--arch', '6', '--profile', file], {env: quick()})
    expect(refused.exitCode, refused.stderr).toBe(4)
    expect(refused.stdout).toContain('Plan for architecture 6:')
    expect(refused.stderr).toMatch(/Nothing was changed: the plan runs instance types outside freeTypes.*\n.*fleet up --arch 6 --yes --allow-paid/)
    const paid = await runFleet(['up', '--arch', '6', '--yes', '--profile', file, '--json'], {env: quick()})
    expect(paid.exitCode).toBe(4)
    expect(JSON.parse(paid.stdout).error).toMatchObject({code: 'ConfirmationNeeded', nextSteps: [expect.stringContaining('--allow-paid')]})
    const dry = await runFleet(['up', '--arch', '6', '--dry-run', '--profile', file, '--json'], {env: quick()})
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout).plan.map((c: {account: string; action: string}) => `${c.account}:${c.action}`)).toEqual(['lb:resize', 'app-1:start', 'app-2:start', 'app-3:start'])
    expect(dry.stderr).toMatch(/Plan: 3 to start, 1 to resize · ~\$0\.\d+\/h · 3 free-tier hours\/h/)
    expect(mutatingCalls()).toEqual([])
  })

  it('says what is wrong with bad input (exit 2): an unknown architecture, an unknown LB type, a zero wait', async () => {
    const file = await profile({architectures: {bogus: {lb: {instanceType: 't9.bogus'}, apps: ['app-1']}}}, 'bad')
    const unknown = await runFleet(['up', '--arch', '7', '--profile', file, '--json'], {env: quick()})
    expect(unknown.exitCode).toBe(2)
    expect(JSON.parse(unknown.stdout).error.message).toMatch(/There is no architecture `7` in profile `bad`\. Known: 2, 3, 6, bogus\./)
    const type = await runFleet(['up', '--arch', 'bogus', '--profile', file, '--json'], {env: quick()})
    expect(type.exitCode).toBe(2)
    expect(JSON.parse(type.stdout).error).toMatchObject({code: 'UnknownInstanceType', message: expect.stringContaining('architectures.bogus.lb.instanceType: t9.bogus')})
    const zero = await runFleet(['up', '--arch', '6', '--wait-timeout', '0', '--profile', file], {env: quick()})
    expect(zero.exitCode).toBe(2)
    expect(zero.stderr).toContain('--wait-timeout must be more than zero')
    expect(mutatingCalls()).toEqual([])
  })

  it('from all stopped to architecture 6: the LB resized while stopped, accounts in parallel, three apps behind nginx with keep-alive', async () => {
    const file = await profile()
    const env = quick()
    const workers = await rig.nginx.workers()
    // Each StartInstances is answered 3 s late (3 s of this test): started one after another, no two could overlap.
    rig.proxy.inject({kind: 'slow', action: 'StartInstances', times: 4, delayMs: 3000})
    const run = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--profile', file, '--json'], {env, timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    expect(out.results.map((r: {ok: boolean}) => r.ok)).toEqual([true, true, true, true])
    expect(out.upstream.servers).toEqual(appIps().map((ip) => `${ip}:${port()}`))
    expect(out.lbPublicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(await stateOf('lb')).toEqual({state: 'running', type: 't2.medium'})
    // The type changed while stopped, then the LB started: AWS refuses it otherwise (the proxy too).
    const lbCalls = rig.proxy.requests({accountId: rig.ids.lb}).filter((r) => MUTATING.test(r.action ?? '') && !/SecurityGroup/.test(r.action!)).map((r) => r.action)
    expect(lbCalls).toEqual(['ModifyInstanceAttribute', 'StartInstances'])
    // Accounts overlap: every start was sent before the first was answered, and before any account had finished its waits.
    const starts = rig.proxy.requests({action: 'StartInstances'})
    expect(starts).toHaveLength(4)
    expect(Math.max(...starts.map((r) => r.startedAt))).toBeLessThan(Math.min(...starts.map((r) => r.endedAt ?? 0)))
    const lastStatus = Math.max(...rig.proxy.requests({action: 'DescribeInstanceStatus'}).map((r) => r.startedAt))
    expect(Math.max(...starts.map((r) => r.startedAt))).toBeLessThan(lastStatus)
    const t = await traffic(workers)
    expect(t.reached).toBe(3)
    expect(t.connections).toBeLessThan(30)
    expect(run.stderr).toMatch(/lb\s+done/)
    expect(JSON.parse(await readFile(join(env.FLEET_HOME, 'state', 'up', 'applied.json'), 'utf8'))).toMatchObject({arch: '6', complete: true})
  })

  it('a re-run on the converged fleet makes only read calls, reloads nothing, and says so', async () => {
    const file = await profile()
    const workers = await rig.nginx.workers()
    const human = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--profile', file], {env: quick()})
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toContain('already at architecture 6')
    expect(human.stdout).toContain('✓ Already at architecture 6: nothing changed.')
    expect(mutatingCalls()).toEqual([])
    expect(await rig.nginx.workers()).toEqual(workers)
  })

  it('to architecture 3: app-3 leaves the upstream before it stops, the LB goes back to t2.micro (stop, modify, start)', async () => {
    const file = await profile()
    const env = quick()
    const workers = await rig.nginx.workers()
    const run = await runFleet(['up', '--arch', '3', '--yes', '--profile', file, '--json'], {env, timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(await stateOf('app-3')).toMatchObject({state: 'stopped'})
    expect(await stateOf('lb')).toEqual({state: 'running', type: 't2.micro'})
    const lbCalls = rig.proxy.requests({accountId: rig.ids.lb}).filter((r) => /Instances|InstanceAttribute/.test(r.action ?? '') && MUTATING.test(r.action!)).map((r) => r.action)
    expect(lbCalls).toEqual(['StopInstances', 'ModifyInstanceAttribute', 'StartInstances'])
    // The first reload of this run held no app-3, and came before app-3's stop.
    const log = await readFile(join(rig.dir, 'up-reloads.log'), 'utf8')
    const reloads = log.split(/^(?=\d{13}$)/m).map((chunk) => ({at: Number(chunk.slice(0, 13)), text: chunk}))
    const stopApp3 = rig.proxy.requests({action: 'StopInstances', accountId: rig.ids['app-3']})[0]!.startedAt
    const drain = reloads.filter((r) => r.at >= rig.proxy.records[0]!.startedAt)[0]!
    expect(drain.text).not.toContain(appIps()[2])
    expect(drain.at).toBeLessThan(stopApp3)
    const t = await traffic(workers)
    expect(t.reached).toBe(2)
    expect(rig.backends.servers[2]!.requests).toHaveLength(0)
  })

  // Among the slowest here (4-6 s on a busy 2-core machine): the run waits out its 3 s --wait-timeout on app-3.
  it('names an account whose wait runs out, with the state it was stuck in, and finishes the others (exit 3)', {timeout: 60_000}, async () => {
    const file = await profile()
    rig.slow.setTiming(rig.instanceIds['app-3'], {transitionMs: 20_000})
    try {
      const run = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--wait-timeout', '3s', '--profile', file, '--json'], {env: quick(), timeoutMs: 90_000})
      expect(run.exitCode, run.stderr).toBe(3)
      const out = JSON.parse(run.stdout)
      const app3 = out.results.find((r: {account: string}) => r.account === 'app-3')
      expect(app3).toMatchObject({ok: false, error: {code: 'WaitTimeout', message: expect.stringMatching(/app-3 \(i-\w+\) was still pending after 3 s of waiting for it to be running/)}})
      expect(out.results.filter((r: {ok: boolean}) => r.ok).map((r: {account: string}) => r.account)).toEqual(['lb', 'app-1', 'app-2'])
      // The upstream holds only the servers really up.
      expect(out.upstream.servers).toEqual(appIps().slice(0, 2).map((ip) => `${ip}:${port()}`))
    } finally {
      // app-3's 20 s start ends now (the next test would wait it out otherwise): it is running, as moto has it.
      resetSlowAws()
    }
    await until('app-3 reported running', async () => (await reportedState('app-3')) === 'running')
  })

  // Among the slowest here (4-6 s on a busy 2-core machine): two runs that each stop, resize and start the LB (the second twice: it sets the old type back).
  it('sets the old type back and starts it when the start after a resize fails for capacity (exit 3), and says so', {timeout: 60_000}, async () => {
    const file = await profile()
    // Back to architecture 3 (LB on t2.micro) first, then a resize whose start fails.
    const three = await runFleet(['up', '--arch', '3', '--yes', '--profile', file], {env: quick(), timeoutMs: 90_000})
    expect(three.exitCode, three.stderr).toBe(0)
    rig.slow.failStart(rig.instanceIds.lb, 1)
    const run = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--profile', file, '--json'], {env: quick({AWS_MAX_ATTEMPTS: '1'}), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(3)
    const lb = JSON.parse(run.stdout).results.find((r: {account: string}) => r.account === 'lb')
    expect(lb.error.code, lb.error.message).toBe('ResizeFailed')
    expect(lb.error.message).toMatch(/could not start as t2\.medium .*InsufficientInstanceCapacity.*; it was set back to t2\.micro and started/)
    expect(lb.error.nextSteps[0]).toMatch(/retry later, or pick another type/)
    resetSlowAws()
    expect(await stateOf('lb')).toEqual({state: 'running', type: 't2.micro'})
  })

  it('Ctrl-C mid-wait stops launching steps (exit 130); `fleet up` alone then converges the interrupted run', {timeout: 60_000}, async () => {
    const file = await profile()
    const env = quick()
    const down = await runFleet(['down', '--yes', '--profile', file], {env, timeoutMs: 90_000})
    expect(down.exitCode, down.stderr).toBe(0)
    // app-1 stays pending until the Ctrl-C has landed: the run is surely mid-wait, however slow the machine.
    rig.slow.setTiming(rig.instanceIds['app-1'], {transitionMs: 60_000})
    try {
      const run = startFleet(['up', '--arch', '2', '--yes', '--profile', file], {env, timeoutMs: 90_000})
      await run.waitForOutput(/app-1\s+starting/)
      run.kill('SIGINT')
      const out = await run.done
      expect(out.exitCode, out.stderr).toBe(130)
      expect(out.stdout).toContain('Interrupted')
      expect(JSON.parse(await readFile(join(env.FLEET_HOME, 'state', 'up', 'applied.json'), 'utf8'))).toMatchObject({arch: '2', complete: false})
    } finally {
      // app-1's 60 s start ends now: it is running, as moto has it.
      resetSlowAws()
    }
    const workers = await rig.nginx.workers()
    const again = await runFleet(['up', '--yes', '--profile', file, '--json'], {env, timeoutMs: 90_000})
    expect(again.exitCode, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({arch: '2', upstream: {servers: [`${appIps()[0]}:${port()}`]}})
    expect(JSON.parse(again.stdout).results.every((r: {ok: boolean}) => r.ok)).toBe(true)
    expect((await traffic(workers, 6)).reached).toBe(1)
  })

  it('leaves a terminated instance alone, naming it (exit 3), and does the rest', async () => {
    const ec2 = await accountEc2(rig.moto, rig.ids['app-4']!)
    await ec2.send(new TerminateInstancesCommand({InstanceIds: [rig.instanceIds['app-4']!]}))
    ec2.destroy()
    const file = await profile({accounts: {'app-4': rig.account('app-4')}, architectures: {'4': {lb: {instanceType: 't2.micro'}, apps: ['app-1', 'app-4']}}}, 'gone')
    const run = await runFleet(['up', '--arch', '4', '--yes', '--profile', file, '--json'], {env: quick(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out.results.find((r: {account: string}) => r.account === 'app-4')).toMatchObject({ok: false, error: {code: 'InstanceTerminated'}})
    expect(out.upstream.servers).toEqual([`${appIps()[0]}:${port()}`])
  })
})

describe('fleet down', () => {
  // Among the slowest here (4-6 s on a busy 2-core machine): five runs, three of which wait for instances to start or stop.
  it('stops every instance at once and lists what still costs money; --keep keeps one; an unknown --keep is exit 2', {timeout: 60_000}, async () => {
    const file = await profile()
    const env = quick()
    const up = await runFleet(['up', '--arch', '3', '--yes', '--profile', file], {env, timeoutMs: 90_000})
    expect(up.exitCode, up.stderr).toBe(0)
    const bad = await runFleet(['down', '--keep', 'nosuch', '--yes', '--profile', file], {env})
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('has no account `nosuch`')
    const kept = await runFleet(['down', '--keep', 'lb', '--yes', '--profile', file, '--json'], {env, timeoutMs: 90_000})
    expect(kept.exitCode, kept.stderr).toBe(0)
    const out = JSON.parse(kept.stdout)
    expect(out.kept).toEqual(['lb'])
    expect((await stateOf('lb')).state).toBe('running')
    expect((await stateOf('app-1')).state).toBe('stopped')
    expect(out.stillCosting.map((c: {account: string; kind: string}) => `${c.account}:${c.kind}`).sort()).toEqual(['lb:idle-elastic-ip', 'lb:running-instance'])
    const all = await runFleet(['down', '--yes', '--profile', file], {env, timeoutMs: 90_000})
    expect(all.exitCode, all.stderr).toBe(0)
    expect((await stateOf('lb')).state).toBe('stopped')
    expect(all.stdout).toMatch(/Still costing money:\n {2}lb: Elastic IP .* not attached/)
    const again = await runFleet(['down', '--yes', '--profile', file], {env})
    expect(again.exitCode).toBe(0)
    expect(again.stdout).toContain('Every fleet instance is already stopped.')
  })
})
