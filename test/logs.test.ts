/**
 * `fleet logs` and `fleet hosts forget`, run as the built CLI against the
 * story rig (test/harness/story-rig.ts): moto behind the slow-AWS proxy for
 * the instances, a real sshd per host on its own loopback address (the LB's
 * and one per app server; moto's public IPs are never used), and a log script
 * that says which address it was reached on.
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {type FleetEnv, fleetEnv, runFleet, startFleet} from './harness/moto.ts'
import {freePort, type Sshd} from './harness/sshd.ts'
import {STORY_ACCOUNTS, startStoryRig, type StoryRig} from './harness/story-rig.ts'
import {pidsMatching, uniqueMarker, waitUntilGone} from './remote/helpers.ts'

type Host = 'lb' | 'app-1' | 'app-2'
/** Every remote log command carries it, so pgrep finds them. */
const MARKER = uniqueMarker('logs')

let rig: StoryRig
let closedPort: number
/** The loopback address of each host: the log script prints the one it was reached on. */
let address: Record<Host, string>
/** Each host's own sshd. */
let sshdOf: Record<Host, Sshd>

/** Prints a few lines (one on stderr) naming the address it was reached on; with -f, a line every 0.2 s until killed. */
const LOG_SCRIPT = `me=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$PREFIX from $me since=$1 first"
echo "$PREFIX from $me warn on stderr" >&2
echo "$PREFIX from $me last"
if [ "$2" = "-f" ]; then
  while true; do echo "$PREFIX from $me tick"; sleep 0.2; done
fi
`

// The story's fleet in small on 127.0.0.100-104: the LB and app-1, app-2 running, app-3 stopped,
// and app-4 running but its sshd not there (its profile points at a closed port).
beforeAll(async () => {
  rig = await startStoryRig({base: 100, state: 'running', accounts: {'app-3': {state: 'stopped'}, 'app-4': {}}, dbs: []})
  closedPort = await freePort()
  address = {lb: rig.addresses.lb, 'app-1': rig.addresses.apps[0]!, 'app-2': rig.addresses.apps[1]!}
  sshdOf = {lb: rig.lbSshd, 'app-1': rig.apps.hosts[0]!.sshd, 'app-2': rig.apps.hosts[1]!.sshd}
  await writeFile(join(rig.dir, 'logs.sh'), LOG_SCRIPT)
})

afterAll(async () => {
  await rig?.stop()
})

/** A fresh FLEET_HOME (no host key pinned yet), against the rig's proxy. */
const freshEnv = (): FleetEnv => fleetEnv(rig.proxy)

/** The rig's accounts with each host's own sshd; app-4's SSH goes to a closed port. */
function profile(over: {apps?: object | null; name?: string} = {}): Promise<string> {
  const script = join(rig.dir, 'logs.sh')
  return rig.writeProfile(
    {
      accounts: {
        ...Object.fromEntries(STORY_ACCOUNTS.map((name) => [name, rig.account(name)])),
        'app-4': rig.account('app-4', {ssh: {host: '127.0.0.1', port: closedPort, user: rig.lbSshd.user, key: rig.lbSshd.clientKeyFile}}),
      },
      nginx: {on: 'lb', upstream: 'backend', logs: `PREFIX=nginx sh ${script} 0 {follow} ${MARKER}`},
      apps: over.apps === undefined ? {logs: `PREFIX=app sh ${script} {since} {follow} ${MARKER}`} : over.apps,
      rds: null,
      autoStop: null,
      architectures: {small: {apps: ['app-1']}, pair: {apps: ['app-1', 'app-2']}},
    },
    over.name ?? 'test',
  )
}

const lineOf = (name: Host, kind: 'app' | 'nginx', text: string) => `${kind} from ${address[name]} ${text}`

describe('fleet logs', () => {
  it('streams every app server, each line prefixed; skips a stopped one, reports an unreachable one, exits 3', async () => {
    const env = freshEnv()
    const run = await runFleet(['logs', '--profile', await profile(), '--lb'], {env})
    expect(run.exitCode, run.stderr).toBe(3)
    const out = run.stdout.split('\n').filter(Boolean)
    for (const name of ['app-1', 'app-2'] as const) {
      // Each host's own lines, in its order, under its own name; stderr lines too.
      const mine = out.filter((l) => l.startsWith(`${name} | `))
      expect(mine).toEqual(
        expect.arrayContaining([
          `${name} | ${lineOf(name, 'app', 'since=10m first')}`,
          `${name} | ${lineOf(name, 'app', 'warn on stderr')}`,
          `${name} | ${lineOf(name, 'app', 'last')}`,
        ]),
      )
      expect(mine).toHaveLength(3)
      expect(mine.indexOf(`${name} | ${lineOf(name, 'app', 'since=10m first')}`)).toBeLessThan(mine.indexOf(`${name} | ${lineOf(name, 'app', 'last')}`))
    }
    // nginx's lines come from the LB host, its label padded to the others' width.
    expect(out).toContain(`lb    | ${lineOf('lb', 'nginx', 'since=0 first')}`)
    // Nothing but prefixed lines on stdout; no colour without a terminal.
    expect(out.every((l) => /^(lb   |app-1|app-2) \| (app|nginx) from /.test(l))).toBe(true)
    expect(out).toHaveLength(9)

    expect(run.stderr).toContain('app-3: stopped, skipped')
    expect(run.stderr).toMatch(new RegExp(`app-4: Cannot reach app-4 \\(${rig.instanceIds['app-4']}, .*127\\.0\\.0\\.1:${closedPort}\\) over SSH`))
    expect(run.stderr).not.toMatch(/app-[12]:/)

    // Host keys are pinned by instance id on first use: each host's own key.
    const pinned = await readFile(join(env.FLEET_HOME, 'known_hosts'), 'utf8')
    for (const name of ['lb', 'app-1', 'app-2'] as const) {
      const [, base64] = (await sshdOf[name].hostPublicKey()).split(' ')
      expect(pinned).toContain(`${rig.instanceIds[name]} ssh-ed25519 ${base64}`)
    }
    expect(pinned.trim().split('\n')).toHaveLength(3)
  })

  it('--json with NAMEs, --grep and --since; --arch or the architecture last applied chooses the app servers', async () => {
    const file = await profile()
    const env = freshEnv()
    const named = await runFleet(['logs', 'app-2', 'app-1', '--grep', 'first|warn', '--since', '5m', '--json', '--profile', file], {env})
    expect(named.exitCode, named.stderr).toBe(0)
    const result = JSON.parse(named.stdout)
    expect(result.hosts).toEqual([
      {account: 'app-2', source: 'app', instanceId: rig.instanceIds['app-2'], ok: true, skipped: null, error: null},
      {account: 'app-1', source: 'app', instanceId: rig.instanceIds['app-1'], ok: true, skipped: null, error: null},
    ])
    const lines = result.lines as Array<{account: Host; source: string; stream: string; line: string}>
    expect(lines).toHaveLength(4)
    expect(lines).toEqual(
      expect.arrayContaining([
        {account: 'app-1', source: 'app', stream: 'stdout', line: lineOf('app-1', 'app', 'since=5m first')},
        {account: 'app-1', source: 'app', stream: 'stderr', line: lineOf('app-1', 'app', 'warn on stderr')},
        {account: 'app-2', source: 'app', stream: 'stdout', line: lineOf('app-2', 'app', 'since=5m first')},
        {account: 'app-2', source: 'app', stream: 'stderr', line: lineOf('app-2', 'app', 'warn on stderr')},
      ]),
    )

    const accountsOf = (stdout: string) => [...new Set(JSON.parse(stdout).hosts.map((h: {account: string}) => h.account))]
    const small = await runFleet(['logs', '--arch', 'small', '--json', '--profile', file], {env})
    expect(small.exitCode, small.stderr).toBe(0)
    expect(accountsOf(small.stdout)).toEqual(['app-1'])

    await mkdir(join(env.FLEET_HOME, 'state', 'test'), {recursive: true})
    await writeFile(join(env.FLEET_HOME, 'state', 'test', 'applied.json'), JSON.stringify({arch: 'pair'}))
    const applied = await runFleet(['logs', '--json', '--profile', file], {env})
    expect(applied.exitCode, applied.stderr).toBe(0)
    expect(accountsOf(applied.stdout)).toEqual(['app-1', 'app-2'])
  })

  it('refuses bad usage with exit 2 before reaching any host', async () => {
    const env = freshEnv()
    const file = await profile()
    const cases: Array<[string[], string, RegExp]> = [
      [['logs', 'app-9'], 'UnknownAccount', /no account `app-9`.*lb, app-1, app-2, app-3, app-4/],
      [['logs', '--follow'], 'FollowJson', /--follow never ends/],
      [['logs', '--grep', 'a(b'], 'BadGrep', /not a valid regular expression/],
      [['logs', '--since', '10m;id'], 'BadSince', /not a duration/],
      [['logs', '--arch', 'nope'], 'UnknownArchitecture', /nope/],
    ]
    const runs = await Promise.all(cases.map(([args]) => runFleet([...args, '--json', '--profile', file], {env})))
    for (const [i, [, code, message]] of cases.entries()) {
      expect(runs[i]!.exitCode, runs[i]!.stderr).toBe(2)
      expect(JSON.parse(runs[i]!.stdout).error).toMatchObject({code, exitCode: 2, message: expect.stringMatching(message)})
    }
    const noLogs = await runFleet(['logs', '--profile', await profile({apps: {port: 8080}, name: 'nologs'})], {env})
    expect(noLogs.exitCode).toBe(2)
    expect(noLogs.stderr).toContain('has no apps.logs')
    expect(await pidsMatching(MARKER)).toEqual([])
  })

  it('an account with a usage problem (its SSH key file is missing) keeps its class: exit 2, with what to do', async () => {
    const file = await profile({name: 'nokey'})
    await writeFile(file, (await readFile(file, 'utf8')).replace(/(app-2:[\s\S]*?key: )\S+/, '$1/nonexistent/fleet.pem'))
    const run = await runFleet(['logs', 'app-1', 'app-2', '--profile', file, '--json'], {env: freshEnv()})
    expect(run.exitCode, run.stderr).toBe(2)
    const hosts = JSON.parse(run.stdout).hosts
    expect(hosts[0]).toMatchObject({account: 'app-1', ok: true})
    expect(hosts[1]).toMatchObject({account: 'app-2', ok: false, error: {code: 'SshKeyUnreadable', nextSteps: [expect.stringContaining('accounts.app-2.ssh.key')]}})
  })

  it('--follow streams until Ctrl-C, which ends every remote command and exits 130', async () => {
    const file = await profile()
    const run = startFleet(['logs', 'app-1', 'app-2', '--lb', '--follow', '--profile', file], {env: freshEnv()})
    const stdoutOf = () => run.stdout()
    const stderrOf = () => run.stderr()
    try {
      const ticking = () => ['app-1', 'app-2', 'lb'].every((name) => stdoutOf().split('\n').filter((l) => l.startsWith(name) && l.endsWith(' tick')).length >= 2)
      await vi.waitFor(() => expect(ticking(), `stdout:\n${stdoutOf()}\nstderr:\n${stderrOf()}`).toBe(true), {timeout: 20_000, interval: 50})
      // Three hosts' remote loops (each under a shell that carries the marker).
      expect((await pidsMatching(MARKER)).length).toBeGreaterThanOrEqual(3)

      run.kill('SIGINT')
      const {exitCode, stdout, stderr} = await run.done
      expect(exitCode, stderr).toBe(130)
      expect(stderr).toContain('Interrupted')
      expect(await waitUntilGone(MARKER)).toEqual([])
      // Whole lines only, however the hosts' output interleaved.
      expect(stdout.endsWith('\n')).toBe(true)
      const from = (name: Host) => address[name].replaceAll('.', '\\.')
      const fromHost = new RegExp(`^(lb    \\| nginx from ${from('lb')}|app-1 \\| app from ${from('app-1')}|app-2 \\| app from ${from('app-2')}) (since=\\S+ first|warn on stderr|last|tick)$`)
      expect(stdout.trimEnd().split('\n').filter((l) => !fromHost.test(l))).toEqual([])
    } finally {
      run.kill('SIGKILL')
    }
  })
})

describe('host keys', () => {
  it('a changed key is refused (exit 3), accepted with --accept-new-host-key, and `fleet hosts forget` drops a pin', async () => {
    // app-1's own sshd: its host key is regenerated (sshd restarted on the same port) halfway.
    const host = sshdOf['app-1']
    const env = freshEnv()
    const file = await profile({name: 'hostkey'})
    const id = rig.instanceIds['app-1']!
    const first = await runFleet(['logs', 'app-1', '--json', '--profile', file], {env})
    expect(first.exitCode, first.stderr).toBe(0)
    const pinnedKey = async () => (await readFile(join(env.FLEET_HOME, 'known_hosts'), 'utf8')).split('\n').find((l) => l.startsWith(`${id} `))?.split(' ')[2]
    expect(await pinnedKey()).toBe((await host.hostPublicKey()).split(' ')[1])

    await host.regenerateHostKey()
    const refused = await runFleet(['logs', 'app-1', '--profile', file], {env})
    expect(refused.exitCode).toBe(3)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain(`app-1: The SSH host key of instance ${id} (account app-1`)
    expect(refused.stderr).toContain(`fleet hosts forget ${id}`)
    const [, newKey] = (await host.hostPublicKey()).split(' ')
    expect(await pinnedKey()).not.toBe(newKey)

    const accepted = await runFleet(['logs', 'app-1', '--accept-new-host-key', '--json', '--profile', file], {env})
    expect(accepted.exitCode, accepted.stderr).toBe(0)
    expect(JSON.parse(accepted.stdout).lines.length).toBe(3)
    expect(await pinnedKey()).toBe(newKey)

    const forget = await runFleet(['hosts', 'forget', id, '--json'], {env})
    expect(forget.exitCode, forget.stderr).toBe(0)
    expect(JSON.parse(forget.stdout)).toEqual({instanceId: id, forgotten: true})
    expect(await pinnedKey()).toBeUndefined()
    const again = await runFleet(['hosts', 'forget', id], {env})
    expect(again.stdout).toContain(`No host key was pinned for ${id}`)
  })
})
