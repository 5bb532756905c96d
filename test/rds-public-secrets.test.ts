/**
 * No value of the `.env` but DB_URL's reaches any output of `rds-public` or
 * `up`'s RDS step, whatever its key is called. On the story rig (every
 * instance running, parking-db in lb's account), each app host holds the
 * story's `.env` plus keys no list of secret words catches (`DB_PASS`,
 * `REDIS_AUTH`, `SPRING_MAIL_PASS`, `JWT`, `AWS_SECRET`, `KEY_X`), some right
 * next to DB_URL, each with a random value of its own per host. Every run's
 * stdout and stderr (with `DEBUG=fleet:*`) and every file under FLEET_HOME
 * is searched for those values; the diffs must still show the DB_URL change.
 */
import {randomBytes} from 'node:crypto'
import {readdir, readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type FleetRun, runFleet} from './harness/moto.ts'
import {type StoryRig, startStoryRig, storyEnv} from './harness/story-rig.ts'

let rig: StoryRig
let profile: string
let privateLine: string
const outputs: Array<{args: string[]; run: FleetRun}> = []
/** Per host: the values that must never show (the story's DB_PASSWORD and the added keys'). */
const secrets: string[][] = []
const originals: string[] = []

const random = () => randomBytes(12).toString('base64url')

/** The story's `.env` with the added keys: DB_PASS just above DB_URL, REDIS_AUTH and SPRING_MAIL_PASS just below. */
function envWithSecrets(lbIp: string): {text: string; values: string[]} {
  const v = {pass: random(), redis: random(), mail: random(), jwt: random(), oldAws: random(), aws: random(), keyX: random()}
  const lines = storyEnv(lbIp).split('\n')
  const at = lines.findIndex((l) => l.startsWith('DB_URL='))
  lines.splice(at, 1, `DB_PASS=${v.pass}`, lines[at]!, `REDIS_AUTH="${v.redis}"`, `SPRING_MAIL_PASS='m@il ${v.mail} #1'`)
  lines.splice(-1, 0, `export JWT=eyJ${v.jwt}`, `# AWS_SECRET=${v.oldAws} (rotated)`, `AWS_SECRET=${v.aws}`, `KEY_X: ${v.keyX}`)
  return {text: lines.join('\n'), values: ['s3cret-parking', ...Object.values(v)]}
}

beforeAll(async () => {
  rig = await startStoryRig({base: 160, state: 'running', name: 'rds-secrets'})
  profile = await rig.writeProfile({})
  privateLine = `DB_URL=jdbc:mysql://${rig.addresses.lb}:3306/parking`
  for (const host of rig.apps.hosts) {
    const {text, values} = envWithSecrets(rig.addresses.lb)
    await host.setEnv(text)
    originals.push(text)
    secrets.push(values)
  }
}, 120_000)

afterAll(async () => {
  await rig?.stop()
})

async function fleet(args: string[]): Promise<FleetRun> {
  const run = await runFleet([...args, '--profile', profile], {env: {...rig.env, DEBUG: 'fleet:*'}, timeoutMs: 120_000})
  outputs.push({args, run})
  expect(run.exitCode, `fleet ${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run
}

const PUBLIC_LINE = /DB_URL=jdbc:mysql:\/\/[\w.-]+\.rds\.amazonaws\.com:3306\/parking$/m
const diffsOf = (servers: Array<{diff: string}>) => servers.map((s) => s.diff)

describe('fleet rds-public and up: no value of another key in any output', {timeout: 120_000}, () => {
  it('on --dry-run shows the DB_URL change with every neighbour masked, in the human output and in JSON', async () => {
    const human = await fleet(['rds-public', 'on', '--dry-run'])
    expect(human.stdout).toContain(`-${privateLine}`)
    expect(human.stdout).toMatch(/^\s+\+DB_URL=jdbc:mysql:\/\/\S+\.rds\.amazonaws\.com:3306\/parking$/m)
    for (const masked of [' DB_PASS=****', ' REDIS_AUTH=****', ' SPRING_MAIL_PASS=****']) expect(human.stdout).toContain(masked)
    const json = JSON.parse((await fleet(['rds-public', 'on', '--dry-run', '--json'])).stdout)
    const diffs = diffsOf(json.servers)
    expect(diffs).toHaveLength(3)
    for (const diff of diffs) {
      expect(diff).toContain(`-${privateLine}\n`)
      expect(diff.split('\n').filter((l: string) => l.startsWith('+'))).toEqual([expect.stringMatching(/^\+\+\+ /), expect.stringMatching(PUBLIC_LINE)])
      expect(diff).toContain('\n DB_PASS=****\n')
      expect(diff).toContain('\n REDIS_AUTH=****\n')
    }
  })

  it('on (human) switches every server to the public URL', async () => {
    const run = await fleet(['rds-public', 'on'])
    expect(run.stdout).toMatch(/Public access turned on for parking-db/)
    for (const host of rig.apps.hosts) expect((await host.env())!.toString('utf8')).toMatch(PUBLIC_LINE)
  })

  it('off --json gives each server\'s diff back to the private URL, masked', async () => {
    const json = JSON.parse((await fleet(['rds-public', 'off', '--json'])).stdout)
    expect(json.servers.map((s: {outcome: string}) => s.outcome)).toEqual(['switched', 'switched', 'switched'])
    for (const diff of diffsOf(json.servers)) {
      expect(diff).toMatch(/^-DB_URL=jdbc:mysql:\/\/\S+\.rds\.amazonaws\.com:3306\/parking$/m)
      expect(diff).toContain(`\n+${privateLine}\n`)
      expect(diff).toContain('\n DB_PASS=****\n')
    }
    for (const [i, host] of rig.apps.hosts.entries()) expect((await host.env())!.toString('utf8')).toBe(originals[i])
  })

  it('up --arch 6 --json: RDS step 3 turns public access on, its diffs masked', async () => {
    const json = JSON.parse((await fleet(['up', '--arch', '6', '--json', '--yes', '--allow-paid'])).stdout)
    expect(json.rds).toMatchObject({action: 'on', publiclyAccessible: true})
    const diffs = diffsOf(json.rds.servers)
    expect(diffs).toHaveLength(3)
    for (const diff of diffs) {
      expect(diff).toContain(`-${privateLine}\n`)
      expect(diff).toMatch(/^\+DB_URL=jdbc:mysql:\/\/\S+\.rds\.amazonaws\.com:3306\/parking$/m)
      expect(diff).toContain('\n SPRING_MAIL_PASS=****\n')
    }
    // Every other byte of each file is as it was.
    for (const [i, host] of rig.apps.hosts.entries()) {
      const now = (await host.env())!.toString('utf8').split('\n')
      const before = originals[i]!.split('\n')
      expect(now.filter((l, n) => l !== before[n])).toEqual([expect.stringMatching(PUBLIC_LINE)])
    }
  })

  it('no value of another key reached stdout, stderr (DEBUG=fleet:* on) or a file under FLEET_HOME', async () => {
    expect(outputs.map((o) => o.args.slice(0, 2).join(' '))).toEqual(['rds-public on', 'rds-public on', 'rds-public on', 'rds-public off', 'up --arch'])
    expect(outputs.some((o) => /fleet:/.test(o.run.stderr))).toBe(true)
    const values = [...new Set(secrets.flat())]
    expect(values).toHaveLength(1 + 3 * 7)
    for (const {args, run} of outputs) {
      for (const value of values) {
        expect(run.stdout, `stdout of fleet ${args.join(' ')}`).not.toContain(value)
        expect(run.stderr, `stderr of fleet ${args.join(' ')}`).not.toContain(value)
      }
    }
    const files = await readdir(rig.env.FLEET_HOME, {recursive: true, withFileTypes: true})
    const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8')))
    expect(texts.length).toBeGreaterThan(0)
    for (const text of texts) for (const value of values) expect(text).not.toContain(value)
  })
})
