/**
 * `fleet up --ttl`, CPU credits and the start-up chores, with real peers:
 * moto behind the slow-AWS proxy, one real sshd listening on each instance's
 * own loopback address (so each "host" is told apart), a real nginx and
 * backends. No real `shutdown` ever runs: `autoStop.*`, `apps.start`,
 * `nginx.start` and `onLbIpChange` point at scripts that record their
 * arguments and the address they were reached on.
 */
import {chmod, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {DescribeInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {type Backends, startBackends} from './harness/backends.ts'
import {type LatencyProxy, type SlowAws, startLatencyProxy} from './harness/latency-proxy.ts'
import {accountEc2, fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, tempDir, uniqueAccountId, writeProfile} from './harness/moto.ts'
import {type Nginx, startNginx, storyNginxConfig} from './harness/nginx.ts'
import {type Sshd, startSshd} from './harness/sshd.ts'

const LB_IP = '127.0.0.50'
const APP_IPS = ['127.0.0.51', '127.0.0.52', '127.0.0.53']

let moto: Moto
let proxy: LatencyProxy
let slow: SlowAws
let sshd: Sshd
let backends: Backends
let nginx: Nginx
let dir: string
let log: string
const ids = {lb: uniqueAccountId(), a1: uniqueAccountId(), a2: uniqueAccountId(), a3: uniqueAccountId(), t3: uniqueAccountId()}
const instanceIds: Record<string, string> = {}

/** Records `<address it was reached on> <args...>`; fails for the addresses listed in $dir/fail. */
const RECORDER = `#!/bin/sh
me=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$me $*" >> "$(dirname "$0")/calls.log"
if grep -qx "$me $1" "$(dirname "$0")/fail" 2>/dev/null; then echo "refused on $me" >&2; exit 1; fi
`

beforeAll(async () => {
  moto = await startMoto()
  proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
  slow = proxy.slowAws({transitionMs: 200, initializingMs: 100})
  sshd = await startSshd({addresses: [LB_IP, ...APP_IPS]})
  dir = tempDir('fleet-ttl-')
  log = join(dir, 'calls.log')
  await writeFile(join(dir, 'record.sh'), RECORDER)
  await writeFile(join(dir, 'hook.sh'), `#!/bin/sh\necho "$@" >> "$(dirname "$0")/hook.log"\n`)
  await chmod(join(dir, 'record.sh'), 0o755)
  await chmod(join(dir, 'hook.sh'), 0o755)
  backends = await startBackends(APP_IPS)
  nginx = await startNginx({configText: storyNginxConfig([`${APP_IPS[0]}:${backends.servers[0]!.port}`])})
  const seeded = await Promise.all([
    seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, privateIp: LB_IP, state: 'stopped'}]}),
    ...[ids.a1, ids.a2, ids.a3].map((id, i) => seedAccount(moto, {accountId: id, instances: [{tags: {fleet: 'app'}, privateIp: APP_IPS[i], state: 'stopped'}]})),
    seedAccount(moto, {accountId: ids.t3, instances: [{tags: {fleet: 'app'}, type: 't3.micro', privateIp: '127.0.0.54', state: 'stopped'}]}),
  ])
  for (const [i, name] of ['lb', 'app-1', 'app-2', 'app-3', 't3'].entries()) instanceIds[name] = seeded[i]!.instanceIds[0]!
})

afterAll(async () => {
  await nginx?.stop()
  await backends?.stop()
  await sshd?.dispose()
  await proxy?.stop()
  await moto?.stop()
})

beforeEach(async () => {
  await writeFile(log, '')
  await writeFile(join(dir, 'fail'), '')
})

async function profile(extra: Record<string, unknown> = {}, name = 'ttl'): Promise<string> {
  const ssh = (host: string) => ({ssh: {host, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile}})
  const account = (id: string, host: string) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: host === LB_IP ? 'lb' : 'app'}}, ...ssh(host)})
  const record = join(dir, 'record.sh')
  return writeProfile(dir, {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {lb: account(ids.lb, LB_IP), 'app-1': account(ids.a1, APP_IPS[0]!), 'app-2': account(ids.a2, APP_IPS[1]!), 'app-3': account(ids.a3, APP_IPS[2]!)},
    nginx: {on: 'lb', config: nginx.confPath, upstreamFile: join(nginx.prefix, 'conf.d', 'fleet-upstream.conf'), upstream: 'honorsParkingBackend', ...nginx.commands, address: 'private', start: `${record} nginx-start`},
    apps: {port: backends.servers[0]!.port, health: '/actuator/health', start: `${record} apps-start`},
    autoStop: {schedule: `${record} schedule {minutes}`, cancel: `${record} cancel`},
    onLbIpChange: './hook.sh {ip} {dns}',
    architectures: {'3': {lb: {instanceType: 't2.micro'}, apps: ['app-1', 'app-2']}, '6': {lb: {instanceType: 't2.medium'}, apps: ['app-1', 'app-2', 'app-3']}},
    ...extra,
  }, name)
}

const env = () => fleetEnv(proxy, {FLEET_WAIT_MIN_DELAY: '0.05', FLEET_WAIT_MAX_DELAY: '0.2'})
const calls = async () => (await readFile(log, 'utf8')).trim().split('\n').filter(Boolean).sort()

async function tagOf(accountId: string, instanceId: string): Promise<string | undefined> {
  const ec2 = await accountEc2(moto, accountId)
  const out = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
  ec2.destroy()
  return out.Reservations![0]!.Instances![0]!.Tags?.find((t) => t.Key === 'fleet:auto-stop-at')?.Value
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
    const run = await runFleet(['up', '--arch', '6', '--ttl', '2h', '--yes', '--allow-paid', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout)
    const recorded = await calls()
    // nginx.start on the LB, apps.start on each app it started; then cancel + schedule on every instance.
    expect(recorded).toEqual([
      ...[LB_IP, ...APP_IPS].flatMap((ip) => [`${ip} cancel`, `${ip} schedule 120`]),
      `${APP_IPS[0]} apps-start`, `${APP_IPS[1]} apps-start`, `${APP_IPS[2]} apps-start`, `${LB_IP} nginx-start`,
    ].sort())
    expect(out.autoStop.map((a: {account: string; ok: boolean}) => `${a.account}:${a.ok}`).sort()).toEqual(['app-1:true', 'app-2:true', 'app-3:true', 'lb:true'])
    const at = out.autoStop[0].at
    expect(Date.parse(at) - Date.now()).toBeGreaterThan(119 * 60_000)
    expect(await tagOf(ids.lb, instanceIds.lb!)).toBe(out.autoStop.find((a: {account: string}) => a.account === 'lb').at)
    expect(out.warnings).toContain('--ttl stops the instances only: the RDS instance keeps running (and costing) until you stop it.')
    expect(out.lbIpHook).toMatchObject({ok: true})
    expect(await readFile(join(dir, 'hook.log'), 'utf8')).toBe(`${out.lbPublicIp} ${out.lbPublicDns}\n`)
    const status = JSON.parse((await runFleet(['status', '--profile', file, '--json'], {env: env()})).stdout)
    expect(status.accounts.find((a: {name: string}) => a.name === 'lb').instance.autoStopAt).toBe(out.autoStop.find((a: {account: string}) => a.account === 'lb').at)
  })

  it('a re-run with --ttl reschedules (cancel, then schedule); without --ttl the schedule is kept and shown', async () => {
    const file = await profile()
    const again = await runFleet(['up', '--arch', '6', '--ttl', '90m', '--yes', '--allow-paid', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(again.exitCode, again.stderr).toBe(0)
    expect(await calls()).toEqual([LB_IP, ...APP_IPS].flatMap((ip) => [`${ip} cancel`, `${ip} schedule 90`]).sort())
    expect(again.stdout).toMatch(/⏱ lb stops itself at \d{4}-/)
    await writeFile(log, '')
    const kept = await runFleet(['up', '--arch', '6', '--yes', '--allow-paid', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(kept.exitCode, kept.stderr).toBe(0)
    expect(await calls()).toEqual([])
    expect(kept.stdout).toMatch(/⏱ app-2 stops itself at \d{4}-/)
  })

  it('a resized LB lost its OS schedule: up without --ttl schedules it again for the time that was left', async () => {
    const file = await profile()
    const run = await runFleet(['up', '--arch', '3', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    const recorded = await calls()
    expect(recorded).toContain(`${LB_IP} nginx-start`)
    const schedule = recorded.find((c) => c.startsWith(`${LB_IP} schedule `))
    expect(Number(schedule?.split(' ')[2])).toBeGreaterThanOrEqual(88)
    expect(recorded.filter((c) => c.includes('schedule') && !c.startsWith(LB_IP))).toEqual([])
  })

  it('a host whose schedule fails is named; the others keep theirs (exit 3)', async () => {
    const file = await profile()
    await writeFile(join(dir, 'fail'), `${APP_IPS[1]} schedule\n`)
    const run = await runFleet(['up', '--arch', '3', '--ttl', '1h', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(3)
    const out = JSON.parse(run.stdout)
    expect(out.autoStop.find((a: {account: string}) => a.account === 'app-2')).toMatchObject({ok: false, error: {code: 'RemoteCommandFailed', message: expect.stringContaining('refused on 127.0.0.52')}})
    expect(out.autoStop.filter((a: {ok: boolean}) => a.ok).map((a: {account: string}) => a.account).sort()).toEqual(['app-1', 'lb'])
  })

  it('down --keep cancels the kept instance\'s own stop and removes its tag', async () => {
    const file = await profile()
    const run = await runFleet(['down', '--keep', 'lb', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(await calls()).toEqual([`${LB_IP} cancel`])
    expect(await tagOf(ids.lb, instanceIds.lb!)).toBeUndefined()
  })

  it('an onLbIpChange that hangs is stopped at its deadline, reported (exit 3), and the fleet stays up', async () => {
    const file = await profile({onLbIpChange: 'sleep 30'}, 'hang')
    const down = await runFleet(['down', '--yes', '--profile', file], {env: env(), timeoutMs: 90_000})
    expect(down.exitCode, down.stderr).toBe(0)
    const started = Date.now()
    const run = await runFleet(['up', '--arch', '3', '--yes', '--profile', file, '--json'], {env: {...env(), FLEET_HOOK_TIMEOUT: '1'}, timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(3)
    expect(Date.now() - started).toBeLessThan(25_000)
    const out = JSON.parse(run.stdout)
    expect(out.lbIpHook).toMatchObject({ok: false, error: {code: 'HookTimeout'}})
    expect(out.results.every((r: {ok: boolean}) => r.ok)).toBe(true)
  })

  it('refuses --ttl on an instance that would terminate itself (exit 4), changing nothing', async () => {
    const terminating = uniqueAccountId()
    const seeded = await seedAccount(moto, {accountId: terminating, instances: [{tags: {fleet: 'app'}, privateIp: '127.0.0.55', state: 'stopped', shutdownBehavior: 'terminate'}]})
    const file = await profile({}, 'terminating')
    await writeFile(file, (await readFile(file, 'utf8')).replace(`accountId: "${ids.a2}"`, `accountId: "${terminating}"`).replace(roleArn(ids.a2), roleArn(terminating)))
    proxy.clear()
    const run = await runFleet(['up', '--arch', '3', '--ttl', '1h', '--yes', '--profile', file, '--json'], {env: env(), timeoutMs: 90_000})
    expect(run.exitCode, run.stderr).toBe(4)
    expect(JSON.parse(run.stdout).error).toMatchObject({code: 'TerminatesOnShutdown', message: expect.stringContaining(`app-2 (${seeded.instanceIds[0]}) would be TERMINATED`)})
    expect(proxy.requests().filter((r) => /^(Start|Stop|Modify|Create)/.test(r.action ?? ''))).toEqual([])
  })
})

describe('CPU credits', () => {
  it('a t3 instance with unlimited credits is warned about in the plan, with the command that sets standard', async () => {
    slow.setCpuCredits(instanceIds.t3!, 'unlimited')
    const base = await profile({}, 'credits')
    const text = (await readFile(base, 'utf8')).replace(`accountId: "${ids.a3}"`, `accountId: "${ids.t3}"`).replace(roleArn(ids.a3), roleArn(ids.t3))
    await writeFile(base, text)
    const run = await runFleet(['up', '--arch', '6', '--dry-run', '--profile', base], {env: env()})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('app-3: t3.micro runs with unlimited CPU credits: surplus credits are billed under load.')
    expect(run.stdout).toContain(`aws ec2 modify-instance-credit-specification --instance-credit-specifications "InstanceId=${instanceIds.t3},CpuCredits=standard" --region ap-northeast-2`)
  })
})
