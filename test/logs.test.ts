/**
 * `fleet logs` and `fleet hosts forget`, run as the built CLI against real
 * peers: moto for the instances, a real sshd listening on one loopback
 * address per "host" (the profile's ssh.host/ssh.port; moto's public IPs are
 * never used), and a log script that says which address it was reached on.
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {freePort, type Sshd, startSshd} from './harness/sshd.ts'
import {fleetEnv, type FleetEnv, type Moto, roleArn, runFleet, seedAccount, startFleet, startMoto, tempDir, uniqueAccountId, writeProfile} from './harness/moto.ts'
import {pidsMatching, uniqueMarker, waitUntilGone} from './remote/helpers.ts'

/** One loopback address per host: the log script prints the one it was reached on. */
const ADDRESS = {lb: '127.0.61.10', 'app-1': '127.0.61.11', 'app-2': '127.0.61.12'} as const
/** Every remote log command carries it, so pgrep finds them. */
const MARKER = uniqueMarker('logs')

let moto: Moto
let sshd: Sshd
let dir: string
let closedPort: number
const ids = {lb: uniqueAccountId(), app1: uniqueAccountId(), app2: uniqueAccountId(), app3: uniqueAccountId(), app4: uniqueAccountId()}
const instanceIds: Record<string, string> = {}

/** Prints a few lines (one on stderr) naming the address it was reached on; with -f, a line every 0.2 s until killed. */
const LOG_SCRIPT = `me=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$PREFIX from $me since=$1 first"
echo "$PREFIX from $me warn on stderr" >&2
echo "$PREFIX from $me last"
if [ "$2" = "-f" ]; then
  while true; do echo "$PREFIX from $me tick"; sleep 0.2; done
fi
`

beforeAll(async () => {
  ;[moto, sshd] = await Promise.all([startMoto(), startSshd({addresses: Object.values(ADDRESS)})])
  dir = tempDir('fleet-logs-')
  closedPort = await freePort()
  await writeFile(join(dir, 'logs.sh'), LOG_SCRIPT)
  const seeded = await Promise.all([
    seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, privateIp: ADDRESS.lb}]}),
    seedAccount(moto, {accountId: ids.app1, instances: [{tags: {fleet: 'app'}, privateIp: ADDRESS['app-1']}]}),
    seedAccount(moto, {accountId: ids.app2, instances: [{tags: {fleet: 'app'}, privateIp: ADDRESS['app-2']}]}),
    seedAccount(moto, {accountId: ids.app3, instances: [{tags: {fleet: 'app'}, state: 'stopped'}]}),
    seedAccount(moto, {accountId: ids.app4, instances: [{tags: {fleet: 'app'}, privateIp: '127.0.61.14'}]}),
  ])
  for (const [name, account] of ['lb', 'app-1', 'app-2', 'app-3', 'app-4'].map((n, i) => [n, seeded[i]!] as const)) {
    instanceIds[name] = account.instanceIds[0]!
  }
})

afterAll(async () => {
  await Promise.all([sshd?.dispose(), moto?.stop()])
})

function account(id: string, tag: string, rig: Sshd, ssh: {host: string; port: number}) {
  return {accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}, ssh: {user: rig.user, key: rig.clientKeyFile, ...ssh}}
}

/** The story's fleet in small: an LB, two app servers, one stopped, one whose sshd is not there. */
function profile(over: {sshd?: Sshd; apps?: object | null; name?: string} = {}): Promise<string> {
  const rig = over.sshd ?? sshd
  const on = (host: string) => ({host, port: rig.port})
  const script = join(dir, 'logs.sh')
  return writeProfile(
    dir,
    {
      region: 'ap-northeast-2',
      hub: {source: 'env'},
      accounts: {
        lb: account(ids.lb, 'lb', rig, on(ADDRESS.lb)),
        'app-1': account(ids.app1, 'app', rig, on(ADDRESS['app-1'])),
        'app-2': account(ids.app2, 'app', rig, on(ADDRESS['app-2'])),
        'app-3': account(ids.app3, 'app', rig, on('127.0.0.1')),
        'app-4': account(ids.app4, 'app', rig, {host: '127.0.0.1', port: closedPort}),
      },
      nginx: {on: 'lb', upstream: 'backend', logs: `PREFIX=nginx sh ${script} 0 {follow} ${MARKER}`},
      ...(over.apps === null ? {} : {apps: over.apps ?? {logs: `PREFIX=app sh ${script} {since} {follow} ${MARKER}`}}),
      architectures: {small: {apps: ['app-1']}, pair: {apps: ['app-1', 'app-2']}},
    },
    over.name ?? 'test',
  )
}

const lineOf = (name: keyof typeof ADDRESS, kind: 'app' | 'nginx', text: string) => `${kind} from ${ADDRESS[name]} ${text}`

describe('fleet logs', () => {
  it('streams every app server, each line prefixed; skips a stopped one, reports an unreachable one, exits 3', async () => {
    const env = fleetEnv(moto)
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
    expect(run.stderr).toMatch(new RegExp(`app-4: Cannot reach app-4 \\(${instanceIds['app-4']}, .*127\\.0\\.0\\.1:${closedPort}\\) over SSH`))
    expect(run.stderr).not.toMatch(/app-[12]:/)

    // Host keys are pinned by instance id on first use.
    const pinned = await readFile(join(env.FLEET_HOME, 'known_hosts'), 'utf8')
    const [, base64] = (await sshd.hostPublicKey()).split(' ')
    for (const name of ['lb', 'app-1', 'app-2']) expect(pinned).toContain(`${instanceIds[name]} ssh-ed25519 ${base64}`)
    expect(pinned.trim().split('\n')).toHaveLength(3)
  })

  it('--json with NAMEs, --grep and --since; --arch or the architecture last applied chooses the app servers', async () => {
    const file = await profile()
    const env = fleetEnv(moto)
    const named = await runFleet(['logs', 'app-2', 'app-1', '--grep', 'first|warn', '--since', '5m', '--json', '--profile', file], {env})
    expect(named.exitCode, named.stderr).toBe(0)
    const result = JSON.parse(named.stdout)
    expect(result.hosts).toEqual([
      {account: 'app-2', source: 'app', instanceId: instanceIds['app-2'], ok: true, skipped: null, error: null},
      {account: 'app-1', source: 'app', instanceId: instanceIds['app-1'], ok: true, skipped: null, error: null},
    ])
    const lines = result.lines as Array<{account: keyof typeof ADDRESS; source: string; stream: string; line: string}>
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
    const env = fleetEnv(moto)
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
    const run = await runFleet(['logs', 'app-1', 'app-2', '--profile', file, '--json'], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stderr).toBe(2)
    const hosts = JSON.parse(run.stdout).hosts
    expect(hosts[0]).toMatchObject({account: 'app-1', ok: true})
    expect(hosts[1]).toMatchObject({account: 'app-2', ok: false, error: {code: 'SshKeyUnreadable', nextSteps: [expect.stringContaining('accounts.app-2.ssh.key')]}})
  })

  it('--follow streams until Ctrl-C, which ends every remote command and exits 130', async () => {
    const file = await profile()
    const run = startFleet(['logs', 'app-1', 'app-2', '--lb', '--follow', '--profile', file], {env: fleetEnv(moto)})
    const stdoutOf = () => run.stdout()
    const stderrOf = () => run.stderr()
    try {
      const ticking = () => ['app-1', 'app-2', 'lb'].every((name) => stdoutOf().split('\n').filter((l) => l.startsWith(name) && l.endsWith(' tick')).length >= 2)
      await waitFor(ticking, 20_000, () => `stdout:\n${stdoutOf()}\nstderr:\n${stderrOf()}`)
      // Three hosts' remote loops (each under a shell that carries the marker).
      expect((await pidsMatching(MARKER)).length).toBeGreaterThanOrEqual(3)

      run.kill('SIGINT')
      const {exitCode, stdout, stderr} = await run.done
      expect(exitCode, stderr).toBe(130)
      expect(stderr).toContain('Interrupted')
      expect(await waitUntilGone(MARKER)).toEqual([])
      // Whole lines only, however the hosts' output interleaved.
      expect(stdout.endsWith('\n')).toBe(true)
      expect(stdout.trimEnd().split('\n').every((l) => /^(lb   |app-1|app-2) \| (app|nginx) from 127\.0\.61\.1\d (since=\S+ first|warn on stderr|last|tick)$/.test(l))).toBe(true)
    } finally {
      run.kill('SIGKILL')
    }
  })
})

describe('host keys', () => {
  it('a changed key is refused (exit 3), accepted with --accept-new-host-key, and `fleet hosts forget` drops a pin', async () => {
    const rig = await startSshd({addresses: [ADDRESS['app-1']]})
    try {
      const env: FleetEnv = fleetEnv(moto)
      const file = await profile({sshd: rig, name: 'rig'})
      const id = instanceIds['app-1']!
      const first = await runFleet(['logs', 'app-1', '--json', '--profile', file], {env})
      expect(first.exitCode, first.stderr).toBe(0)
      const pinnedKey = async () => (await readFile(join(env.FLEET_HOME, 'known_hosts'), 'utf8')).split('\n').find((l) => l.startsWith(`${id} `))?.split(' ')[2]
      expect(await pinnedKey()).toBe((await rig.hostPublicKey()).split(' ')[1])

      await rig.regenerateHostKey()
      const refused = await runFleet(['logs', 'app-1', '--profile', file], {env})
      expect(refused.exitCode).toBe(3)
      expect(refused.stdout).toBe('')
      expect(refused.stderr).toContain(`app-1: The SSH host key of instance ${id} (account app-1`)
      expect(refused.stderr).toContain(`fleet hosts forget ${id}`)
      const [, newKey] = (await rig.hostPublicKey()).split(' ')
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
    } finally {
      await rig.dispose()
    }
  })
})

async function waitFor(condition: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms\n${explain()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
