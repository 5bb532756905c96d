/**
 * What the built CLI writes around its results, against moto: no colour with
 * NO_COLOR (on a real terminal, through `script`), no escape sequence at all
 * without a terminal, no stack trace for a user's error (only with
 * DEBUG=fleet:*), and nothing on stderr that fleet did not write itself
 * (Node warnings, AWS SDK notices, oclif's own).
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runFleetOnPty} from './harness/pty.ts'
import {seedDb} from './harness/rds.ts'
import {type FleetRun, fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, tempDir, uniqueAccountId, writeProfile} from './harness/moto.ts'

/** An SGR sequence: colour, bold, underline. */
const COLOUR = /\u001B\[[\d;]*m/
/** Any escape sequence (colour, cursor movement, line erase). */
const ESCAPE = /\u001B/
/** A frame of a JavaScript stack trace. */
const STACK = /^\s+at .+(\(|:\d+:\d+)/m
/** What Node, the AWS SDK, smithy or oclif print on their own (warnings, notices, deprecations). */
const FOREIGN = /^\(node:\d+\)|Warning:|DeprecationWarning|ExperimentalWarning|--trace-(warnings|deprecation)|@aws-sdk|@smithy|aws-sdk|AWS SDK|NOTE:|oclif|^\s+›/im

let moto: Moto
let dir: string
let profile: string
let keychainProfile: string
const ids = {lb: uniqueAccountId(), app: uniqueAccountId()}

const account = (id: string, tag: string) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}})

beforeAll(async () => {
  moto = await startMoto()
  dir = tempDir('fleet-output-')
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, state: 'stopped'}]})
  await seedAccount(moto, {accountId: ids.app, instances: [{tags: {fleet: 'app'}, state: 'stopped'}]})
  await seedDb(moto, {accountId: ids.lb, identifier: 'parking-db', withInternetGateway: true})
  const data = {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {lb: account(ids.lb, 'lb'), 'app-1': account(ids.app, 'app')},
    nginx: {on: 'lb', upstream: 'backend'},
    apps: {port: 8080, restart: 'true'},
    rds: {account: 'lb', instance: 'parking-db', envFile: '/srv/app/.env', public: 'jdbc:mysql://{endpoint}:{port}/p', private: 'jdbc:mysql://{lb.privateIp}:3306/p'},
    architectures: {'1': {lb: {instanceType: 't2.micro'}, apps: ['app-1']}},
  }
  profile = await writeProfile(dir, data, 'output')
  keychainProfile = await writeProfile(dir, {...data, hub: {source: 'keychain'}}, 'kc')
})

afterAll(async () => {
  await moto?.stop()
})

/** fleetEnv without anything that would hide a warning, and without NO_COLOR unless asked. */
function env(extra: Record<string, string | undefined> = {}) {
  return fleetEnv(moto, {NO_COLOR: undefined, NODE_OPTIONS: undefined, NODE_NO_WARNINGS: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color', ...extra})
}

/** Commands across the tool, as people and scripts run them. */
const REPRESENTATIVE = (): string[][] => [
  ['--help'],
  ['up', '--help'],
  ['status', '--profile', profile],
  ['status', '--profile', profile, '--json'],
  ['doctor', '--no-ssh', '--profile', profile, '--json'],
  ['iam', 'policy', '--profile', profile],
  ['arch', 'list', '--profile', profile],
  ['arch', 'show', '1', '--profile', profile, '--json'],
  ['up', '--arch', '1', '--dry-run', '--profile', profile],
  ['up', '--arch', '1', '--dry-run', '--profile', profile, '--json'],
  ['down', '--dry-run', '--profile', profile, '--json'],
  ['rds-public', 'status', '--profile', profile, '--json'],
  ['cost', '--profile', profile, '--json'],
  ['hosts', 'forget', 'i-0123456789abcdef0', '--json'],
  ['init', 'lab', '--json'],
  ['autocomplete', 'bash'],
]

describe('without a terminal', () => {
  // About 5 s: a dozen representative commands, each a CLI run of its own.
  it('writes no escape sequence, colour or cursor movement, even without NO_COLOR', async () => {
    for (const args of REPRESENTATIVE()) {
      const run = await runFleet(args, {env: env()})
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(0)
      expect(run.stdout + run.stderr, args.join(' ')).not.toMatch(ESCAPE)
    }
  })
})

describe('NO_COLOR on a terminal', () => {
  it('a terminal without NO_COLOR does get colour (the check below sees a real TTY)', async () => {
    const run = await runFleetOnPty(['--help'], {env: env()})
    expect(run.output).toMatch(COLOUR)
  })

  it('writes no colour: help, tables, the plan, progress, errors and the prompt', async () => {
    const cases: Array<{args: string[]; until?: RegExp}> = [
      {args: ['--help']},
      {args: ['status', '--help']},
      {args: ['status', '--profile', profile]},
      {args: ['up', '--arch', '1', '--dry-run', '--profile', profile]},
      {args: ['rds-public', 'status', '--profile', profile]},
      {args: ['no-such-command']},
      {args: ['status', '--profile', join(dir, 'missing.yaml')]},
      // The key prompt of `login` (stopped at the prompt).
      {args: ['login', '--profile', keychainProfile], until: /access key/i},
    ]
    for (const {args, until} of cases) {
      const run = await runFleetOnPty(args, {env: env({NO_COLOR: '1'}), until})
      expect(run.output.length, args.join(' ')).toBeGreaterThan(0)
      expect(run.output, args.join(' ')).not.toMatch(COLOUR)
    }
  })
})

describe('errors', () => {
  const stackless = (run: FleetRun, code: number) => {
    expect(run.exitCode, run.stderr).toBe(code)
    expect(run.stderr).toMatch(/^Error: /m)
    expect(run.stderr + run.stdout).not.toMatch(STACK)
  }

  it('a usage error has no stack trace: a bad flag value, a missing profile, an unknown command', async () => {
    stackless(await runFleet(['status', '--concurrency', '0', '--profile', profile], {env: env()}), 2)
    stackless(await runFleet(['status', '--profile', join(dir, 'missing.yaml')], {env: env()}), 2)
    const unknown = await runFleet(['no-such-command'], {env: env()})
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatch(/command no-such-command not found/)
    expect(unknown.stderr).not.toMatch(STACK)
  })

  it('an external error (AWS does not answer) has none either', async () => {
    const dead = env({AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', FLEET_AWS_TIMEOUT: '2'})
    stackless(await runFleet(['iam', 'policy', '--profile', profile], {env: dead}), 3)
    const status = await runFleet(['status', '--profile', profile], {env: dead})
    expect(status.exitCode).toBe(3)
    expect(status.stdout + status.stderr).not.toMatch(STACK)
  })

  it('a bug (an exception fleet does not expect) says so without a stack, and shows it with DEBUG=fleet:*', async () => {
    const e = env()
    // A state file fleet cannot parse: JSON.parse throws where fleet expects none.
    mkdirSync(join(e.FLEET_HOME, 'state', 'output'), {recursive: true})
    writeFileSync(join(e.FLEET_HOME, 'state', 'output', 'applied.json'), '{not json')
    const run = await runFleet(['status', '--profile', profile], {env: e})
    stackless(run, 1)
    expect(run.stderr).toContain('This is a bug in fleet. Run again with DEBUG=fleet:* and report what it prints.')
    const json = await runFleet(['status', '--profile', profile, '--json'], {env: e})
    expect(json.exitCode).toBe(1)
    expect(JSON.parse(json.stdout).error).toMatchObject({code: 'Unexpected', exitCode: 1})
    expect(json.stdout + json.stderr).not.toMatch(STACK)
    const debug = await runFleet(['status', '--profile', profile], {env: {...e, DEBUG: 'fleet:*'}})
    expect(debug.exitCode).toBe(1)
    expect(debug.stderr).toMatch(STACK)
  })
})

describe('stderr', () => {
  // About 5 s: a dozen representative commands and a login/logout, each a CLI run of its own.
  it("holds only fleet's own lines: no Node warning, AWS SDK notice or oclif message", async () => {
    // A developer's shell as it often is: NODE_ENV=development (oclif's warnings
    // for plugin authors), an AWS profile named beside the keys fleet is given.
    const e = env({NODE_ENV: 'development', AWS_PROFILE: 'someone-else', AWS_SDK_LOAD_CONFIG: '1'})
    for (const args of [...REPRESENTATIVE(), ['login', '--stdin', '--profile', keychainProfile], ['logout', '--profile', keychainProfile]]) {
      const input = args[0] === 'login' ? 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' : undefined
      const run = await runFleet(args, {env: e, input})
      expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(0)
      const foreign = run.stderr.split('\n').filter((line) => FOREIGN.test(line))
      expect(foreign, args.join(' ')).toEqual([])
      // A script's --json run that only reads: nothing at all on stderr.
      if (args.includes('--json') && !args.includes('--dry-run')) expect(run.stderr, args.join(' ')).toBe('')
    }
  })
})
