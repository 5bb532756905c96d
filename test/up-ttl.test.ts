/**
 * `fleet up --ttl`, CPU credits and the start-up chores, with real peers, on
 * the story rig: moto behind the slow-AWS proxy, a real sshd on each
 * instance's own loopback address (so each "host" is told apart), a real
 * nginx and backends. No real `shutdown` ever runs: `autoStop.*`,
 * `apps.start`, `nginx.start` and `onLbIpChange` point at scripts that record
 * their arguments and the address they were reached on.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {accountEc2, fleetEnv, runFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'

let rig: StoryRig

// The story's four accounts, `t3` (a t3.micro, for CPU credits) and `terminating` (an instance that terminates on shutdown).
beforeAll(async () => {
  rig = await startStoryRig({base: 50, transitionMs: 200, initializingMs: 100, dbs: [], accounts: {t3: {type: 't3.micro'}, terminating: {shutdownBehavior: 'terminate'}}})
  await writeFile(join(rig.dir, 'hook.sh'), `#!/bin/sh\necho "$@" >> "$(dirname "$0")/hook.log"\n`, {mode: 0o755})
  // A hook that hangs: it notes when it started and its pid, then sleeps well past FLEET_HOOK_TIMEOUT.
  await writeFile(join(rig.dir, 'hang.sh'), `#!/bin/sh\necho "$(date +%s%3N) $$" > "$(dirname "$0")/hang.started"\nsleep 30\n`, {mode: 0o755})
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

beforeEach(() => rig.clearRecorded())

const lbIp = () => rig.addresses.lb
const appIps = () => rig.addresses.apps

/**
 * The LB and the three apps, each its own SSH host (`accounts` replaces some of
 * them); the chores and the auto-stop commands are the rig's recording script.
 */
async function profile({accounts, ...extra}: Record<string, unknown> = {}, name = 'ttl'): Promise<string> {
  return rig.writeProfile({
    accounts: {lb: rig.account('lb'), 'app-1': rig.account('app-1'), 'app-2': rig.account('app-2'), 'app-3': rig.account('app-3'), ...(accounts as object)},
    nginx: {...rig.nginxSection(), start: `${rig.recorder} nginx-start`},
    apps: {port: rig.backends.servers[0]!.port, health: '/actuator/health', start: `${rig.recorder} apps-start`},
    autoStop: {schedule: `${rig.recorder} schedule {minutes}`, cancel: `${rig.recorder} cancel`},
    rds: null,
    onLbIpChange: './hook.sh {ip} {dns}',
    architectures: {'3': {lb: {instanceType: 't2.micro'}, apps: ['app-1', 'app-2']}, '6': {lb: {instanceType: 't2.medium'}, apps: ['app-1', 'app-2', 'app-3']}},
    ...extra,
  }, name)
}

const env = () => fleetEnv(rig.proxy, {FLEET_WAIT_MIN_DELAY: '0.05', FLEET_WAIT_MAX_DELAY: '0.2'})
const calls = async () => (await rig.recorded()).sort()

async function tagOf(account: string): Promise<string | undefined> {
  const ec2 = await accountEc2(rig.moto, rig.ids[account]!)
  const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [rig.instanceIds[account]!]}))
  ec2.destroy()
  return out.Reservations![0]!.Instances![0]!.Tags?.find((t) => t.Key === 'fleet:auto-stop-at')?.Value
}

/** True once the process is gone or dead (a zombie: killed, not yet reaped by init). */
async function dead(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('fleet up --ttl and the start-up chores', () => {
  it('refuses a zero, malformed or too long --ttl (exit 2), saying the maximum and why', async () => {
    const file = await profile()
    for (const [ttl, message] of [['0', '--ttl must be more than zero'], ['abc', '--ttl "abc" is not a duration'], ['400d', '--ttl 400d is more than the 7d fleet allows: beyond a week it no longer protects a forgotten fleet']]) {
      const run = await runFleet(['up', '--arch', '6', '--ttl', ttl!, '--profile', file], {env: env()})
      expect(run.exitCode, ttl).toBe(2)
      expect(run.stderr).toContain(message)
    }
  })

  it('starts the fleet, runs the chores, schedules every instance\'s own stop, tags it, and runs onLbIpChange', async () => {
    const file = await profile()
    const before = Date.now()
    const run = await runFleet(['up', '--arch', '6', '--ttl', '2h', '--yes', '--allow-paid', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    const after = Date.now()
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const recorded = await calls()
    // nginx.start on the LB, apps.start on each app it started; then cancel + schedule on every instance.
    expect(recorded).toEqual([
      ...[lbIp(), ...appIps()].flatMap((ip) => [`${ip} cancel`, `${ip} schedule 120`]),
      `${appIps()[0]} apps-start`, `${appIps()[1]} apps-start`, `${appIps()[2]} apps-start`, `${lbIp()} nginx-start`,
    ].sort())
    expect(out.autoStop.map((a: {account: string; ok: boolean}) => `${a.account}:${a.ok}`).sort()).toEqual(['app-1:true', 'app-2:true', 'app-3:true', 'lb:true'])
    const at = out.autoStop[0].at
    // Two hours from when the run scheduled it.
    expect(Date.parse(at) - before).toBeGreaterThanOrEqual(120 * 60_000)
    expect(Date.parse(at) - after).toBeLessThanOrEqual(120 * 60_000)
    expect(await tagOf('lb')).toBe(out.autoStop.find((a: {account: string}) => a.account === 'lb').at)
    expect(out.warnings).toContain('--ttl stops the instances only: the RDS instance keeps running (and costing) until you stop it.')
    expect(out.lbIpHook).toMatchObject({ok: true})
    expect(await readFile(join(rig.dir, 'hook.log'), 'utf8')).toBe(`${out.lbPublicIp} ${out.lbPublicDns}\n`)
    const status = JSON.parse((await runFleet(['status', '--profile', file, '--json'], {env: env()})).stdout)
    expect(status.accounts.find((a: {name: string}) => a.name === 'lb').instance.autoStopAt).toBe(out.autoStop.find((a: {account: string}) => a.account === 'lb').at)
  })

  // Among the slowest here (3-5 s on a busy 2-core machine): two runs, each reaching all four hosts over SSH.
  it('a re-run with --ttl reschedules (cancel, then schedule); without --ttl the schedule is kept and shown', {timeout: 60_000}, async () => {
    const file = await profile()
    const again = await runFleet(['up', '--arch', '6', '--ttl', '90m', '--yes', '--allow-paid', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(again.exitCode, again.stderr).toBe(0)
    expect(await calls()).toEqual([lbIp(), ...appIps()].flatMap((ip) => [`${ip} cancel`, `${ip} schedule 90`]).sort())
    expect(again.stdout).toMatch(/⏱ lb stops itself at \d{4}-/)
    await rig.clearRecorded()
    const kept = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(kept.exitCode, kept.stderr).toBe(0)
    expect(await calls()).toEqual([])
    expect(kept.stdout).toMatch(/⏱ app-2 stops itself at \d{4}-/)
  })

  it('a resized LB lost its OS schedule: up without --ttl schedules it again for the time that was left', async () => {
    const file = await profile()
    // The LB's stop, as the last test's --ttl 90m tagged it.
    const stopsAt = Date.parse((await tagOf('lb'))!)
    const before = Date.now()
    const run = await runFleet(['up', '--arch', '3', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    const after = Date.now()
    expect(run.exitCode, run.stderr).toBe(0)
    const recorded = await calls()
    expect(recorded).toContain(`${lbIp()} nginx-start`)
    const schedule = recorded.find((c) => c.startsWith(`${lbIp()} schedule `))
    // The minutes that were left when the run rescheduled it (of the 90).
    const minutes = Number(schedule?.split(' ')[2])
    expect(minutes).toBeLessThanOrEqual(90)
    expect(minutes).toBeGreaterThanOrEqual(Math.ceil((stopsAt - after) / 60_000))
    expect(minutes).toBeLessThanOrEqual(Math.ceil((stopsAt - before) / 60_000))
    expect(recorded.filter((c) => c.includes('schedule') && !c.startsWith(lbIp()))).toEqual([])
  })

  it('a host whose schedule fails is named; the others keep theirs (exit 3)', async () => {
    const file = await profile()
    await rig.refuseRecorded([`${appIps()[1]} schedule`])
    const run = await runFleet(['up', '--arch', '3', '--ttl', '1h', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out.autoStop.find((a: {account: string}) => a.account === 'app-2')).toMatchObject({ok: false, error: {code: 'RemoteCommandFailed', message: expect.stringContaining(`refused on ${appIps()[1]}`)}})
    expect(out.autoStop.filter((a: {ok: boolean}) => a.ok).map((a: {account: string}) => a.account).sort()).toEqual(['app-1', 'lb'])
  })

  it('down --keep cancels the kept instance\'s own stop and removes its tag', async () => {
    const file = await profile()
    const run = await runFleet(['down', '--keep', 'lb', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(await calls()).toEqual([`${lbIp()} cancel`])
    expect(await tagOf('lb')).toBeUndefined()
  })

  // The slowest here (4-5 s on a busy 2-core machine): a down, then an up that waits out the hook's 1 s deadline.
  it('an onLbIpChange that hangs is stopped at its deadline, reported (exit 3), and the fleet stays up', {timeout: 60_000}, async () => {
    const file = await profile({onLbIpChange: './hang.sh'}, 'hang')
    const down = await runFleet(['down', '--yes', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(down.exitCode, down.stderr).toBe(0)
    const run = await runFleet(['up', '--arch', '3', '--yes', '--profile', file, '--json'], {env: {...env(), FLEET_HOOK_TIMEOUT: '1'}, timeoutMs: 90_000})
    const ended = Date.now()
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out.lbIpHook).toMatchObject({ok: false, error: {code: 'HookTimeout'}})
    expect(out.results.every((r: {ok: boolean}) => r.ok)).toBe(true)
    // The run did not wait the hook out (its 30 s sleep had not run out when fleet ended), and the hook is gone.
    const [startedAt, pid] = (await readFile(join(rig.dir, 'hang.started'), 'utf8')).trim().split(' ').map(Number)
    expect(ended - startedAt!).toBeLessThan(30_000)
    await until(`the hook (pid ${pid}) killed`, () => dead(pid!))
  })

  it('refuses --ttl on an instance that would terminate itself (exit 4), changing nothing', async () => {
    // app-2 is, in this profile, the account whose instance terminates on shutdown (still on app-2's SSH host).
    const file = await profile({accounts: {'app-2': rig.account('terminating', {ssh: rig.account('app-2').ssh})}}, 'terminating')
    rig.proxy.clear()
    const run = await runFleet(['up', '--arch', '3', '--ttl', '1h', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(4)
    expect(JSON.parse(run.stdout).error).toMatchObject({code: 'TerminatesOnShutdown', message: expect.stringContaining(`app-2 (${rig.instanceIds.terminating}) would be TERMINATED`)})
    expect(rig.proxy.requests().filter((r) => /^(Start|Stop|Modify|Create)/.test(r.action ?? ''))).toEqual([])
  })
})

describe('CPU credits', () => {
  it('a t3 instance with unlimited credits is warned about in the plan, with the command that sets standard', async () => {
    rig.slow.setCpuCredits(rig.instanceIds.t3!, 'unlimited')
    // app-3 is, in this profile, the t3 account's instance (still on app-3's SSH host).
    const file = await profile({accounts: {'app-3': rig.account('t3', {ssh: rig.account('app-3').ssh})}}, 'credits')
    const run = await runFleet(['up', '--arch', '6', '--dry-run', '--profile', file], {env: env()})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('app-3: t3.micro runs with unlimited CPU credits: surplus credits are billed under load.')
    expect(run.stdout).toContain(`aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=${rig.instanceIds.t3},CpuCredits=standard" --region ap-northeast-2`)
  })
})
