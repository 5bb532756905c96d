/**
 * The story's fleet on this machine, for the end-to-end test and the demo:
 * four accounts in moto (behind the slow-AWS proxy, so instances take time
 * to start and stop), the LB as a real sshd + a real nginx on the story's
 * config (inline upstream, one worker, 1024 connections), three app servers
 * as real sshd hosts each with its own `.env` (the story's two DB_URL lines)
 * and a real HTTP backend on its own loopback address, an RDS instance in
 * the LB's account, and sample Cost Explorer answers. Every instance starts
 * stopped. `autoStop.*`, `apps.start` and `nginx.start` point at scripts
 * that record their arguments: no real `shutdown` ever runs.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parse, stringify} from 'yaml'

import {type AppHosts, startAppHosts} from './app-hosts.ts'
import {type Backends, startBackends} from './backends.ts'
import {type FleetEnv, fleetEnv} from './cli.ts'
import {type LatencyProxy, startLatencyProxy} from './latency-proxy.ts'
import {type Moto, queueCostResults, startMoto} from './moto.ts'
import {type Nginx, startNginx, storyNginxConfig} from './nginx.ts'
import {seedDb} from './rds.ts'
import {roleArn, seedAccount, uniqueAccountId} from './seed.ts'
import {type Sshd, startSshd} from './sshd.ts'
import {tempDir} from './temp-dirs.ts'

export const STORY_ACCOUNTS = ['lb', 'app-1', 'app-2', 'app-3'] as const

export interface StoryRigOptions {
  /** The last byte of the LB's loopback address; the apps take the next three (default 80: 127.0.0.80-83). */
  base?: number
  /** How long an instance takes to start or stop, and its status checks (default 300 ms each). */
  transitionMs?: number
  /** `keychain` for a run that logs in (the default needs AWS_* from fleetEnv: `env`). */
  hub?: 'env' | 'keychain'
  /** The profile's name (default `story`): its file is `$FLEET_HOME/profiles/<name>.yaml`. */
  name?: string
}

export interface StoryRig {
  moto: Moto
  proxy: LatencyProxy
  lbSshd: Sshd
  nginx: Nginx
  apps: AppHosts
  backends: Backends
  /** The environment to run fleet in (its own FLEET_HOME and HOME). */
  env: FleetEnv
  /** The profile's name and file. */
  name: string
  profile: string
  ids: Record<(typeof STORY_ACCOUNTS)[number], string>
  instanceIds: Record<(typeof STORY_ACCOUNTS)[number], string>
  addresses: {lb: string; apps: string[]}
  /** Lines `<address reached> <args>` of the recording scripts (auto-stop, start chores). */
  recorded(): Promise<string[]>
  /** The profile as fleet reads it (YAML text): the example's architectures with this rig's hosts. */
  profileText: string
  stop(): Promise<void>
}

const RECORDER = `#!/bin/sh
me=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$me $*" >> "$(dirname "$0")/recorded.log"
`

/** Starts the rig; `stop()` ends every process it started. */
export async function startStoryRig(options: StoryRigOptions = {}): Promise<StoryRig> {
  const base = options.base ?? 80
  const lbIp = `127.0.0.${base}`
  const appIps = [1, 2, 3].map((i) => `127.0.0.${base + i}`)
  const transitionMs = options.transitionMs ?? 300
  const stops: Array<() => Promise<unknown>> = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {})
  }
  try {
    const moto = await startMoto()
    stops.push(() => moto.stop())
    const proxy = await startLatencyProxy({target: moto.endpoint, delayMs: 0})
    stops.push(() => proxy.stop())
    proxy.slowAws({transitionMs, initializingMs: transitionMs})
    const lbSshd = await startSshd({addresses: [lbIp]})
    stops.push(() => lbSshd.dispose())
    const apps = await startAppHosts(appIps)
    stops.push(() => apps.stop())
    const backends = await startBackends(appIps)
    stops.push(() => backends.stop())
    const port = backends.servers[0]!.port
    const nginx = await startNginx({configText: storyNginxConfig([`${appIps[0]}:${port}`])})
    stops.push(() => nginx.stop())

    const ids = Object.fromEntries(STORY_ACCOUNTS.map((a) => [a, uniqueAccountId()])) as StoryRig['ids']
    // Seeded in moto directly: the proxy would report the seeding's own stops as still `stopping`.
    const seeded = await Promise.all(
      STORY_ACCOUNTS.map((a, i) => seedAccount(moto, {accountId: ids[a], instances: [{tags: {fleet: a}, privateIp: i === 0 ? lbIp : appIps[i - 1], state: 'stopped'}]})),
    )
    const instanceIds = Object.fromEntries(STORY_ACCOUNTS.map((a, i) => [a, seeded[i]!.instanceIds[0]!])) as StoryRig['instanceIds']
    await seedDb(moto, {accountId: ids.lb, identifier: 'parking-db', withInternetGateway: true, securityGroup: true})
    for (const a of STORY_ACCOUNTS) await queueCostResults(moto, ids[a], [sampleCostAnswer(a)])

    const dir = tempDir('fleet-story-')
    const recorder = join(dir, 'record.sh')
    await writeFile(recorder, RECORDER, {mode: 0o755})
    const env = fleetEnv(proxy, {FLEET_WAIT_MIN_DELAY: '0.2', FLEET_WAIT_MAX_DELAY: '0.5', ...(options.hub === 'keychain' ? {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined} : {})})
    const name = options.name ?? 'story'
    const profileText = await storyProfile({ids, lbIp, appIps, port, lbSshd, apps, nginx, recorder, hub: options.hub ?? 'env'})
    const profile = join(env.FLEET_HOME, 'profiles', `${name}.yaml`)
    for (const host of apps.hosts) await host.setEnv(storyEnv(lbIp))
    return {
      moto, proxy, lbSshd, nginx, apps, backends, env, name, profile, ids, instanceIds, profileText,
      addresses: {lb: lbIp, apps: appIps},
      recorded: async () => (await readFile(join(dir, 'recorded.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** An app server's `.env` as the story kept it, on the private URL (the MySQL on the LB host). */
export function storyEnv(lbIp: string): string {
  return ['# honorsParking', 'SPRING_PROFILES_ACTIVE=prod', `DB_URL=jdbc:mysql://${lbIp}:3306/parking`, 'DB_USERNAME=parking', 'DB_PASSWORD=s3cret-parking', ''].join('\n')
}

interface ProfileParts {
  ids: StoryRig['ids']
  lbIp: string
  appIps: string[]
  port: number
  lbSshd: Sshd
  apps: AppHosts
  nginx: Nginx
  recorder: string
  hub: 'env' | 'keychain'
}

/** profiles/example.yaml with this rig's accounts, hosts and commands: the story's architectures as they are. */
async function storyProfile(p: ProfileParts): Promise<string> {
  const example = parse(await readFile(new URL('../../profiles/example.yaml', import.meta.url), 'utf8')) as Record<string, any>
  const ssh = (host: string, port: number) => ({user: p.lbSshd.user, key: p.lbSshd.clientKeyFile, host, port})
  example.hub = {source: p.hub}
  example.accounts = Object.fromEntries(
    STORY_ACCOUNTS.map((a, i) => [
      a,
      {accountId: p.ids[a], roleArn: roleArn(p.ids[a]), externalId: 'honors-parking', instance: {tag: {fleet: a}}, ssh: i === 0 ? ssh(p.lbIp, p.lbSshd.port) : p.apps.hosts[i - 1]!.ssh},
    ]),
  )
  example.nginx = {
    on: 'lb', config: p.nginx.confPath, upstreamFile: join(p.nginx.prefix, 'conf.d', 'fleet-upstream.conf'), upstream: 'honorsParkingBackend',
    ...p.nginx.commands, logs: `tail -n 5 ${join(p.nginx.prefix, 'logs', 'error.log')} {follow}`, address: 'private', start: `${p.recorder} nginx-start`,
  }
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
