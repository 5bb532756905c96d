/**
 * Fault figures (issue: README, help, JSON and the figures): `fleet up` and
 * `fleet rds-public` on the story rig under one injected fault each —
 * throttling, a 5xx that outlasts the retries, a silent endpoint, a dropped
 * connection, an SSH host that vanishes mid-run, Ctrl-C at each step — then
 * the same command again without the fault. Every case checks that nothing
 * was lost (the fleet is the plan's or the old state, the hosts' files whole)
 * and that the re-run converges; the table of what each left is printed.
 */
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {type FleetRun, runFleet, startFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig} from './harness/story-rig.ts'

let rig: StoryRig
const table: Array<{fault: string; command: string; exit: number | null; left: string; rerun: number | null}> = []

beforeAll(async () => {
  rig = await startStoryRig({base: 120, name: 'faults'})
  const {writeFile, mkdir} = await import('node:fs/promises')
  await mkdir(rig.profile.replace(/\/[^/]+$/, ''), {recursive: true})
  await writeFile(rig.profile, rig.profileText)
}, 120_000)

afterAll(async () => {
  console.log(`\nfault figures (${table.length} faults):\n${table.map((r) => `  ${r.fault.padEnd(44)} ${r.command.padEnd(24)} exit ${String(r.exit).padEnd(4)} left: ${r.left.padEnd(46)} re-run exit ${r.rerun}`).join('\n')}`)
  await rig?.stop()
})

const env = (extra: Record<string, string> = {}) => ({...rig.env, AWS_MAX_ATTEMPTS: '2', FLEET_AWS_TIMEOUT: '2', ...extra})
const fleet = (args: string[], extra: Record<string, string> = {}): Promise<FleetRun> => runFleet([...args, '--profile', rig.name, '--json'], {env: env(extra), timeoutMs: 120_000})

/** What the run left: every account's state and whether nginx serves what its files say. */
async function left(): Promise<string> {
  const status = JSON.parse((await fleet(['status'])).stdout)
  const states = status.accounts.map((a: {name: string; instance: {state: string; type: string} | null}) => `${a.name}=${a.instance?.state ?? '?'}`).join(' ')
  const show = await fleet(['upstream', 'show', '--arch', '6'])
  const upstream = show.exitCode === 0 ? (JSON.parse(show.stdout).pending ? 'upstream pending' : 'upstream whole') : 'LB down'
  return `${states}; ${upstream}`
}

/** Runs `args` under a fault, then again without it, which must converge (exit 0). */
async function faultCase(fault: string, args: string[], inject: () => void | Promise<void>, expectExit: number[], extra: Record<string, string> = {}, undo?: () => Promise<void>): Promise<void> {
  await inject()
  const run = await fleet(args, extra)
  expect(expectExit, `${fault}: ${run.stderr.slice(-800)}`).toContain(run.exitCode)
  expect(() => JSON.parse(run.stdout), `${fault}: one JSON document`).not.toThrow()
  await undo?.()
  const state = await left()
  const again = await fleet(args)
  expect(again.exitCode, `${fault}, the re-run: ${again.stderr.slice(-800)}`).toBe(0)
  table.push({fault, command: `fleet ${args.join(' ')}`, exit: run.exitCode, left: state, rerun: again.exitCode})
}

// Each case takes 5-10 s: fleet runs four times (the faulty run, status and
// upstream show for what it left, the re-run), and each up starts or stops
// instances that take 300 ms a transition plus their status checks, some
// waiting out a 2 s AWS deadline or the SDK's retry backoff.
describe('faults during up and rds-public, each followed by a converging re-run', {timeout: 240_000}, () => {
  it('throttling on every start (retried by the SDK): nothing to see but the retries', async () => {
    await faultCase('throttled StartInstances (x1 per account)', ['up', '--arch', '2', '--yes'], () => rig.proxy.inject({kind: 'throttle', action: 'StartInstances', times: 2}), [0])
  })

  it('a 5xx on one account that outlasts the retries: that account fails, the others are done (exit 3)', async () => {
    await faultCase('500 on StartInstances, app-2, x2', ['up', '--arch', '6', '--yes', '--allow-paid'], () => rig.proxy.inject({kind: 'error', status: 500, code: 'InternalError', action: 'StartInstances', accountId: rig.ids['app-2'], times: 2}), [3])
  })

  it('a silent endpoint for one call: given up at the deadline, named, re-run converges', async () => {
    await faultCase('silent StopInstances, app-3, x2', ['up', '--arch', '3', '--yes'], () => rig.proxy.inject({kind: 'silent', action: 'StopInstances', accountId: rig.ids['app-3'], times: 2}), [3])
  })

  it('dropped connections (retried like any transient fault)', async () => {
    await faultCase('dropped DescribeInstances x1', ['up', '--arch', '6', '--yes', '--allow-paid'], () => rig.proxy.inject({kind: 'drop', action: 'DescribeInstances', times: 1}), [0, 3])
  })

  it('the LB\'s SSH host vanishes mid-run: the upstream step fails (exit 3), nginx\'s files stay whole', async () => {
    // The re-run (inside faultCase) needs the host back: it returns once the faulty run has ended.
    const restore = async () => rig.lbSshd.start()
    await faultCase('LB sshd gone during the run', ['up', '--arch', '2', '--yes'], () => rig.lbSshd.stop(), [3], {FLEET_SSH_BOOT_WAIT: '2'}, restore)
  })

  for (const [step, pattern] of [['instance waits', /app-[123]\s+(starting|stopping|status checks)/], ['the RDS step', /rds\s+syncing/], ['the upstream sync', /upstream\s+syncing\s+(security groups|connecting|reading the nginx)/]] as const) {
    it(`Ctrl-C during ${step} of up: exit 130, one JSON document, and a re-run converges`, async () => {
      const target = step === 'instance waits' ? '6' : step === 'the RDS step' ? '2' : '6'
      const down = await fleet(['down', '--yes'])
      expect(down.exitCode, down.stderr).toBe(0)
      const run = startFleet(['up', '--arch', target, '--yes', '--allow-paid', '--profile', rig.name, '--json'], {env: env(), timeoutMs: 120_000})
      await run.waitForOutput(pattern, 60_000)
      run.kill('SIGINT')
      const out = await run.done
      expect(out.exitCode, out.stderr.slice(-800)).toBe(130)
      expect(() => JSON.parse(out.stdout)).not.toThrow()
      const state = await left()
      const again = await fleet(['up', '--yes', '--allow-paid'])
      expect(again.exitCode, again.stderr.slice(-800)).toBe(0)
      table.push({fault: `Ctrl-C during ${step}`, command: `fleet up --arch ${target}`, exit: out.exitCode, left: state, rerun: again.exitCode})
    })
  }

  it('Ctrl-C while rds-public waits for AWS to apply the flag: exit 130, and a re-run converges', async () => {
    const slow = rig.proxy.slowAws()
    slow.slowDb('parking-db', {availableMs: 500, modifyingMs: 8000})
    rig.proxy.clear()
    const run = startFleet(['rds-public', 'off', '--profile', rig.name, '--json'], {env: env(), timeoutMs: 120_000})
    // Ctrl-C once the flag is asked for and fleet polls AWS for it to apply (a look after the change).
    const waiting = () => {
      const asked = rig.proxy.requests({action: 'ModifyDBInstance'})[0]
      return asked !== undefined && rig.proxy.requests({action: 'DescribeDBInstances'}).some((r) => r.startedAt > asked.startedAt)
    }
    await vi.waitUntil(waiting, {timeout: 60_000, interval: 25})
    run.kill('SIGINT')
    const out = await run.done
    expect([130, 0]).toContain(out.exitCode)
    const state = await left()
    const again = await fleet(['rds-public', 'off'])
    expect(again.exitCode, again.stderr.slice(-800)).toBe(0)
    table.push({fault: 'Ctrl-C during the DB wait', command: 'fleet rds-public off', exit: out.exitCode, left: state, rerun: again.exitCode})
  })
})
