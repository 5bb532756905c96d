import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {runFleet} from './harness/cli.ts'

/**
 * `fleet init` and `fleet arch list/show` through the built binary, as a
 * user runs them: exit codes, stdout, stderr and the --json shapes.
 */

const repo = fileURLToPath(new URL('../', import.meta.url))
const bin = join(repo, 'bin', 'run.js')
const example = join(repo, 'profiles', 'example.yaml')
let root: string

interface Run {
  code: number
  stdout: string
  stderr: string
}

async function fleet(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<Run> {
  const env = {PATH: process.env.PATH, HOME: join(root, 'user'), FLEET_HOME: join(root, 'fleet-home'), NO_COLOR: '1', ...options.env}
  const run = await runFleet(args, {env, cwd: options.cwd ?? root})
  return {code: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr}
}

const json = (run: Run) => JSON.parse(run.stdout) as Record<string, any>

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist', 'commands', 'init.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does).')
  }
  root = await mkdtemp(join(tmpdir(), 'fleet-cli-profile-'))
})

afterAll(async () => {
  await rm(root, {recursive: true, force: true})
})

describe('fleet init', () => {
  test('writes a starter profile, refuses to overwrite it, and --force replaces it', async () => {
    const first = await fleet(['init', 'lab', '--json'])
    expect(first.code).toBe(0)
    const file = join(root, 'fleet-home', 'profiles', 'lab.yaml')
    expect(json(first)).toMatchObject({profile: 'lab', file, created: true})
    await writeFile(file, (await readFile(file, 'utf8')) + '# my edit\n')

    const again = await fleet(['init', 'lab', '--json'])
    expect(again.code).toBe(2)
    expect(json(again)).toEqual({error: {code: 'ProfileExists', message: expect.stringContaining(file), exitCode: 2, nextSteps: [expect.stringContaining('--force')]}})
    expect(await readFile(file, 'utf8')).toContain('# my edit')

    const human = await fleet(['init', 'lab'])
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('--force')

    const forced = await fleet(['init', 'lab', '--force'])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain(`Replaced profile \`lab\` at ${file}`)
    expect(await readFile(file, 'utf8')).not.toContain('# my edit')
  })

  test('takes its name from --profile and the profile it writes is usable', async () => {
    const init = await fleet(['init', '--profile', 'from-flag'])
    expect(init.code).toBe(0)
    const list = await fleet(['arch', 'list', '--json'], {env: {FLEET_PROFILE: 'from-flag'}})
    expect(list.code).toBe(0)
    expect(json(list)).toMatchObject({profile: 'from-flag', architectures: [{id: 'small', apps: [{account: 'app-1', ports: [8080]}]}]})
  })
})

describe('fleet arch', () => {
  test("list --json: the story's architectures in file order", async () => {
    const run = await fleet(['arch', 'list', '--profile', example, '--json'])
    expect(run.code).toBe(0)
    const out = json(run)
    expect(out.profile).toBe('example')
    expect(out.architectures.map((a: {id: string}) => a.id)).toEqual(['1', '2', '3', '4-1', '4-2', '5', '6'])
    expect(out.architectures[6]).toEqual({
      id: '6',
      description: expect.stringContaining('keep-alive'),
      lb: {account: 'lb', instanceType: 't2.medium'},
      apps: [
        {account: 'app-1', ports: [8080]},
        {account: 'app-2', ports: [8080]},
        {account: 'app-3', ports: [8080]},
      ],
      nginx: {workerProcesses: 'auto', workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'},
      rdsPublic: true,
    })
  })

  test('list for people: a table, nothing on stderr', async () => {
    const run = await fleet(['arch', 'list', '-p', example])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const lines = run.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+LB TYPE\s+APPS\s+APP SERVERS\s+NGINX\s+RDS PUBLIC\s+DESCRIPTION$/)
    expect(lines[1]).toMatch(/^1\s+t2\.medium\s+2\s+lb:8080, app-1:8080\+8081\s+as found\s+off\s/)
    expect(lines).toHaveLength(8)
  })

  test('show --json: the architecture and the desired state of every account', async () => {
    const run = await fleet(['arch', 'show', '1', '--profile', example, '--offline', '--json'])
    expect(run.code).toBe(0)
    expect(json(run).desired).toEqual([
      {account: 'lb', role: 'lb+app', state: 'running', type: 't2.medium', ports: [8080]},
      {account: 'app-1', role: 'app', state: 'running', type: null, ports: [8080, 8081]},
      {account: 'app-2', role: 'idle', state: 'stopped', type: null, ports: []},
      {account: 'app-3', role: 'idle', state: 'stopped', type: null, ports: []},
    ])
  })

  test('show of an unknown id exits 2 and lists the known ones', async () => {
    const run = await fleet(['arch', 'show', '7', '--profile', example, '--offline', '--json'])
    expect(run.code).toBe(2)
    expect(json(run).error).toMatchObject({code: 'UnknownArchitecture', message: expect.stringContaining('Known: 1, 2, 3, 4-1, 4-2, 5, 6')})
  })
})

describe('bad profiles', () => {
  test('a typo is refused with file, line, column and a suggestion (exit 2), json or not', async () => {
    const dir = join(root, 'project', 'profiles')
    await mkdir(dir, {recursive: true})
    const file = join(dir, 'typo.yaml')
    await writeFile(file, (await readFile(example, 'utf8')).replace(/^region:/m, 'regoin:'))
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.startsWith('regoin:')) + 1
    const expected = `${file}:${line}:1: regoin: unknown key \`regoin\`; did you mean \`region\`?`

    const run = await fleet(['arch', 'list', '--profile', 'typo', '--json'], {cwd: join(root, 'project')})
    expect(run.code).toBe(2)
    expect(json(run).error).toMatchObject({code: 'InvalidProfile', exitCode: 2, message: expect.stringContaining(expected)})

    const human = await fleet(['arch', 'list', '--profile', 'typo'], {cwd: join(root, 'project')})
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    expect(human.stderr).toContain(expected)
  })

  test('a profile that does not exist says where fleet looked and how to create it', async () => {
    const run = await fleet(['arch', 'list', '--profile', 'nowhere'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(join(root, 'profiles', 'nowhere.yaml'))
    expect(run.stderr).toContain(join(root, 'fleet-home', 'profiles', 'nowhere.yaml'))
    expect(run.stderr).toContain('fleet init nowhere')
  })

  test('a profile without architectures: arch list says which section is missing', async () => {
    const file = join(root, 'bare.yaml')
    await writeFile(file, 'region: us-east-1\nhub: {}\naccounts:\n  a: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/R", instance: {id: i-0123456789abcdef0}}\n')
    const run = await fleet(['arch', 'list', '--profile', file, '--json'])
    expect(run.code).toBe(2)
    expect(json(run).error.message).toBe('Profile `bare` has no `architectures` section, which `fleet arch list` needs.')
  })
})
