/**
 * The story's fleet on this machine: the one place that wires moto, the
 * slow-AWS proxy, sshd hosts, nginx and backends together, for every
 * integration test, the demo and the bench.
 *
 * Four accounts in moto (behind the slow-AWS proxy, so instances take time
 * to start and stop), the LB as a real sshd + a real nginx on the story's
 * config (inline upstream, one worker, 1024 connections), three app servers
 * as real sshd hosts each with its own `.env` (the story's two DB_URL lines)
 * and a real HTTP backend on its own loopback address, an RDS instance in
 * the LB's account, and sample Cost Explorer answers. Every instance starts
 * stopped unless `state` says otherwise. `autoStop.*`, `apps.start` and
 * `nginx.start` point at scripts that record their arguments: no real
 * `shutdown` ever runs.
 *
 * A test shapes the rig with options (more accounts, DBs, backend timings,
 * transition times) and writes the profiles it needs with `rig.profile()`
 * (the story's profile with sections replaced) and `rig.account()`;
 * `rig.startNginx()` gives a test an nginx of its own on the story's config,
 * stopped with the rig.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'

import {type AppHosts, startAppHosts} from './app-hosts.ts'
import {type BackendOptions, type Backends, startBackends} from './backends.ts'
import {type FleetEnv, fleetEnv, writeProfile} from './cli.ts'
import {type LatencyProxy, type SlowAws, startLatencyProxy} from './latency-proxy.ts'
import {type Moto, queueCostResults, startMoto} from './moto.ts'
import {type Nginx, startNginx, storyNginxConfig} from './nginx.ts'
import {seedDb, type SeededDb} from './rds.ts'
import {roleArn, type SeededAccount, type SeedInstance, seedAccount, uniqueAccountId} from './seed.ts'
import {type Sshd, startSshd} from './sshd.ts'
import {tempDir} from './temp-dirs.ts'

export const STORY_ACCOUNTS = ['lb', 'app-1', 'app-2', 'app-3'] as const
type StoryAccount = (typeof STORY_ACCOUNTS)[number]

/** An account of the rig beyond the story's four (or changes to one of them). */
export interface RigAccountOptions {
  /** The instance's `fleet` tag (default: the account's name). */
  tag?: string
  type?: string
  /** Default: the rig's `state`. */
  state?: 'running' | 'stopped'
  /** The instance's private IP, bound on lo (default: the next free address after the rig's; null: none, moto picks one). */
  privateIp?: string | null
  /** Also a real SSH host (an app host with its own folder; default false for added accounts). */
  host?: boolean
  elasticIps?: {idle: number}
  shutdownBehavior?: SeedInstance['shutdownBehavior']
}

export interface RigDbOptions {
  /** The account that holds it (default `lb`). */
  account?: string
  identifier: string
  /** Default true. */
  withInternetGateway?: boolean
  /** Default true. */
  securityGroup?: boolean
  publiclyAccessible?: boolean
}

export interface StoryRigOptions {
  /** The last byte of the LB's loopback address; the apps take the next three (default 80: 127.0.0.80-83). */
  base?: number
  /** How long an instance takes to start or stop (default 300 ms). */
  transitionMs?: number
  /** How long its status checks say `initializing` after that (default: transitionMs). */
  initializingMs?: number
  /** Every instance's state at the start (default `stopped`). */
  state?: 'running' | 'stopped'
  /** Accounts added to the story's four, or changes to those four, by name. */
  accounts?: Record<string, RigAccountOptions>
  /** RDS instances (default: `parking-db` in `lb`, in a VPC with an internet gateway and its own security group). */
  dbs?: RigDbOptions[]
  /** How the app servers' backends answer (latency, new-connection cost). */
  backends?: BackendOptions
  /** `keychain` for a run that logs in (the default needs AWS_* from fleetEnv: `env`). */
  hub?: 'env' | 'keychain'
  /** The profile's name (default `story`): its file is `$FLEET_HOME/profiles/<name>.yaml`. */
  name?: string
}

/** One account as a profile's `accounts.<name>` entry: id, role, the instance's tag, and its SSH host when it has one. */
export interface RigProfileAccount {
  accountId: string
  roleArn: string
  externalId: string
  instance: {tag: {fleet: string}}
  ssh?: {host: string; port: number; user: string; key: string}
}

export interface StoryRig {
  moto: Moto
  proxy: LatencyProxy
  lbSshd: Sshd
  nginx: Nginx
  apps: AppHosts
  backends: Backends
  /** The slow-AWS layer of the proxy (timings, capacity errors, CPU credits, slow DBs). */
  slow: SlowAws
  /** The environment to run fleet in (its own FLEET_HOME and HOME). */
  env: FleetEnv
  /** The profile's name and file. */
  name: string
  profile: string
  /** Account ids and instance ids by account name (the story's four and any added). */
  ids: Record<StoryAccount, string> & Record<string, string>
  instanceIds: Record<StoryAccount, string> & Record<string, string>
  /** Each seeded DB by identifier. */
  dbs: Record<string, SeededDb>
  addresses: {lb: string; apps: string[]} & Record<string, string | string[]>
  /** The folder of the recording scripts and of files a test adds. */
  dir: string
  /** `record.sh`: appends `<address reached> <args>` to `recorded.log` (auto-stop, start chores). */
  recorder: string
  /** Lines `<address reached> <args>` of the recording scripts (auto-stop, start chores). */
  recorded(): Promise<string[]>
  /** Forgets what the recording scripts recorded, and every refusal. */
  clearRecorded(): Promise<void>
  /** The recording scripts refuse these calls, each `<address> <first arg>` (e.g. `127.0.0.81 apps-start`). */
  refuseRecorded(calls: string[]): Promise<void>
  /** The profile as fleet reads it (YAML text): the example's architectures with this rig's hosts. */
  profileText: string
  /** `accounts.<name>` of a profile for this rig (with its SSH host when it has one), `extra` merged in. */
  account(name: string, extra?: Partial<RigProfileAccount> & Record<string, unknown>): RigProfileAccount
  /**
   * Writes a profile: the story's (`profileText`) with each top-level section
   * of `sections` put in place of the story's (null removes one); returns its
   * path, under the rig's folder. `name` defaults to a fresh one.
   */
  writeProfile(sections: Record<string, unknown>, name?: string): Promise<string>
  /** The `nginx` section for `nginx` (the rig's by default): its files and commands, `address: private`. */
  nginxSection(nginx?: Nginx): Record<string, unknown>
  /** A new nginx on the story's config (`extraHttp` first in its http block), proxying to app-1, on 127.0.0.1 and the LB's address; stopped with the rig. */
  startNginx(extraHttp?: string): Promise<Nginx>
  stop(): Promise<void>
}

/** Records `<address it was reached on> <args...>`; refuses (exit 1) when `<address> <first arg>` is a line of `fail`. */
const RECORDER = `#!/bin/sh
me=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$me $*" >> "$(dirname "$0")/recorded.log"
if grep -qx "$me $1" "$(dirname "$0")/fail" 2>/dev/null; then echo "refused on $me" >&2; exit 1; fi
`

/** Starts the rig; `stop()` ends every process it started. */
export async function startStoryRig(options: StoryRigOptions = {}): Promise<StoryRig> {
  const base = options.base ?? 80
  const lbIp = `127.0.0.${base}`
  const appIps = [1, 2, 3].map((i) => `127.0.0.${base + i}`)
  const transitionMs = options.transitionMs ?? 300
  const accounts = rigAccounts(options, base)
  const stops: Array<() => Promise<unknown>> = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {})
  }
  try {
    const moto = await startMoto()
    stops.push(() => moto.stop())
    const proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
    stops.push(() => proxy.stop())
    const slow = proxy.slowAws({transitionMs, initializingMs: options.initializingMs ?? transitionMs})
    const lbSshd = await startSshd({addresses: [lbIp]})
    stops.push(() => lbSshd.dispose())
    const hostNames = accounts.filter((a) => a.host).map((a) => a.name)
    const apps = await startAppHosts(accounts.filter((a) => a.host).map((a) => a.privateIp!))
    stops.push(() => apps.stop())
    const backends = await startBackends(appIps, 0, options.backends)
    stops.push(() => backends.stop())
    const port = backends.servers[0]!.port
    // On the LB's own address too: `fleet loadtest` connects there (its private IP), whatever loadtest.url names.
    const nginxConfig = (extraHttp = '') => storyNginxConfig([`${appIps[0]}:${port}`], extraHttp, [lbIp])
    const nginx = await startNginx({configText: nginxConfig()})
    stops.push(() => nginx.stop())

    const ids = Object.fromEntries(accounts.map((a) => [a.name, uniqueAccountId()])) as StoryRig['ids']
    // Seeded in moto directly: the proxy would report the seeding's own stops as still `stopping`.
    const seeded: SeededAccount[] = await Promise.all(accounts.map((a) => seedAccount(moto, {accountId: ids[a.name]!, instances: [a.instance], elasticIps: a.elasticIps})))
    const instanceIds = Object.fromEntries(accounts.map((a, i) => [a.name, seeded[i]!.instanceIds[0]!])) as StoryRig['instanceIds']
    const dbs: Record<string, SeededDb> = {}
    for (const db of options.dbs ?? [{identifier: 'parking-db'}]) {
      const {account = 'lb', withInternetGateway = true, securityGroup = true, ...rest} = db
      dbs[db.identifier] = await seedDb(moto, {accountId: ids[account]!, withInternetGateway, securityGroup, ...rest})
    }
    for (const a of STORY_ACCOUNTS) await queueCostResults(moto, ids[a], [sampleCostAnswer(a)])

    const dir = tempDir('fleet-story-')
    const recorder = join(dir, 'record.sh')
    await writeFile(recorder, RECORDER, {mode: 0o755})
    const env = fleetEnv(proxy, {FLEET_WAIT_MIN_DELAY: '0.2', FLEET_WAIT_MAX_DELAY: '0.5', ...(options.hub === 'keychain' ? {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined} : {})})
    const name = options.name ?? 'story'
    const sshOf = new Map<string, RigProfileAccount['ssh']>([['lb', {user: lbSshd.user, key: lbSshd.clientKeyFile, host: lbIp, port: lbSshd.port}]])
    for (const [i, host] of apps.hosts.entries()) sshOf.set(hostNames[i]!, host.ssh)
    const account = (accountName: string, extra: Record<string, unknown> = {}): RigProfileAccount => {
      const id = ids[accountName]
      if (!id) throw new Error(`the rig has no account ${accountName}`)
      const ssh = sshOf.get(accountName)
      const tag = accounts.find((a) => a.name === accountName)!.tag
      return {accountId: id, roleArn: roleArn(id), externalId: 'honors-parking', instance: {tag: {fleet: tag}}, ...(ssh ? {ssh} : {}), ...extra}
    }
    const nginxSection = (on: Nginx = nginx) => ({
      on: 'lb', config: on.confPath, upstreamFile: join(on.prefix, 'conf.d', 'fleet-upstream.conf'), upstream: 'honorsParkingBackend',
      ...on.commands, logs: `tail -n 5 ${join(on.prefix, 'logs', 'error.log')} {follow}`, address: 'private',
    })
    const profileText = await storyProfile({accounts: accounts.map((a) => account(a.name)), names: accounts.map((a) => a.name), port, apps, nginx: nginxSection(), recorder, hub: options.hub ?? 'env'})
    const profile = join(env.FLEET_HOME, 'profiles', `${name}.yaml`)
    for (const host of apps.hosts) await host.setEnv(storyEnv(lbIp))
    let profiles = 0
    return {
      moto, proxy, slow, lbSshd, nginx, apps, backends, env, name, profile, ids, instanceIds, dbs, profileText, dir, recorder,
      addresses: {lb: lbIp, apps: appIps, ...Object.fromEntries(accounts.filter((a) => a.privateIp).map((a) => [a.name, a.privateIp!]))},
      recorded: async () => (await readFile(join(dir, 'recorded.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
      clearRecorded: async () => {
        await writeFile(join(dir, 'recorded.log'), '')
        await writeFile(join(dir, 'fail'), '')
      },
      refuseRecorded: (calls) => writeFile(join(dir, 'fail'), calls.map((c) => `${c}\n`).join('')),
      account,
      writeProfile: (sections, profileName = `rig-${++profiles}`) => {
        const merged = parse(profileText) as Record<string, unknown>
        for (const [key, value] of Object.entries(sections)) {
          if (value === null) delete merged[key]
          else merged[key] = value
        }
        return writeProfile(dir, merged, profileName)
      },
      nginxSection,
      startNginx: async (extraHttp) => {
        const more = await startNginx({configText: nginxConfig(extraHttp)})
        stops.push(() => more.stop())
        return more
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

interface ResolvedAccount {
  name: string
  tag: string
  instance: SeedInstance
  privateIp: string | undefined
  host: boolean
  elasticIps?: {idle: number}
}

/** The story's four accounts with `options.accounts` applied, then the added ones on the addresses after the rig's. */
function rigAccounts(options: StoryRigOptions, base: number): ResolvedAccount[] {
  const extra = options.accounts ?? {}
  let next = base + 4
  const names = [...STORY_ACCOUNTS, ...Object.keys(extra).filter((name) => !(STORY_ACCOUNTS as readonly string[]).includes(name))]
  return names.map((name, i) => {
    const o = extra[name] ?? {}
    const story = i < STORY_ACCOUNTS.length
    const privateIp = o.privateIp === null ? undefined : (o.privateIp ?? `127.0.0.${story ? base + i : next++}`)
    const host = story ? name !== 'lb' : o.host === true
    if (host && !privateIp) throw new Error(`account ${name}: an SSH host needs a private IP`)
    const instance: SeedInstance = {tags: {fleet: o.tag ?? name}, type: o.type, state: o.state ?? options.state ?? 'stopped', privateIp, shutdownBehavior: o.shutdownBehavior}
    return {name, tag: o.tag ?? name, instance, privateIp, host, elasticIps: o.elasticIps}
  })
}

/** An app server's `.env` as the story kept it, on the private URL (the MySQL on the LB host). */
export function storyEnv(lbIp: string): string {
  return ['# honorsParking', 'SPRING_PROFILES_ACTIVE=prod', `DB_URL=jdbc:mysql://${lbIp}:3306/parking`, 'DB_USERNAME=parking', 'DB_PASSWORD=s3cret-parking', ''].join('\n')
}

interface ProfileParts {
  accounts: RigProfileAccount[]
  names: string[]
  port: number
  apps: AppHosts
  nginx: Record<string, unknown>
  recorder: string
  hub: 'env' | 'keychain'
}

/** profiles/example.yaml with this rig's accounts, hosts and commands: the story's architectures as they are. */
async function storyProfile(p: ProfileParts): Promise<string> {
  const example = parse(await readFile(new URL('../../profiles/example.yaml', import.meta.url), 'utf8')) as Record<string, any>
  example.hub = {source: p.hub}
  example.accounts = Object.fromEntries(p.names.map((name, i) => [name, p.accounts[i]]))
  example.nginx = {...p.nginx, start: `${p.recorder} nginx-start`}
  example.apps = {
    port: p.port,
    health: '/actuator/health',
    logs: `sh -c 'echo "parking-app on $(echo $SSH_CONNECTION | cut -d" " -f3): Started ParkingApplication (since {since})"' {follow}`,
    restart: p.apps.restart,
    start: `${p.recorder} apps-start`,
  }
  example.rds = {...example.rds, envFile: p.apps.envFile, private: `jdbc:mysql://{lb.privateIp}:3306/parking`}
  example.autoStop = {schedule: `${p.recorder} schedule {minutes}`, cancel: `${p.recorder} cancel`}
  // The example's architecture 1 runs an app on the LB host, which this rig has no backend for.
  delete example.architectures['1']
  return stringify(example)
}

/** One month-to-date Cost Explorer answer per account, in the real response shape (sample data). */
function sampleCostAnswer(account: string): unknown {
  const now = new Date()
  const start = `${now.toISOString().slice(0, 8)}01`
  const end = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10)
  const rows: Array<[string, number, number, string]> =
    account === 'lb'
      ? [['APN2-BoxUsage:t2.micro', 0, 212.5, 'Hrs'], ['APN2-BoxUsage:t2.medium', 1.0512, 18.25, 'Hrs'], ['APN2-PublicIPv4:InUseAddress', 0.5525, 110.5, 'Hrs'], ['APN2-InstanceUsage:db.t3.micro', 0, 240, 'Hrs']]
      : [['APN2-BoxUsage:t2.micro', 0, 180, 'Hrs'], ['APN2-DataTransfer-Regional-Bytes', 0.2342, 23.42, 'GB'], ['APN2-PublicIPv4:InUseAddress', 0, 180, 'Hrs']]
  return {
    GroupDefinitions: [{Type: 'DIMENSION', Key: 'USAGE_TYPE'}, {Type: 'DIMENSION', Key: 'RECORD_TYPE'}],
    ResultsByTime: [
      {
        TimePeriod: {Start: start, End: end},
        Total: {},
        Groups: rows.map(([usageType, usd, quantity, unit]) => ({Keys: [usageType, 'Usage'], Metrics: {UnblendedCost: {Amount: String(usd), Unit: 'USD'}, UsageQuantity: {Amount: String(quantity), Unit: unit}}})),
        Estimated: true,
      },
    ],
    DimensionValueAttributes: [],
  }
}
