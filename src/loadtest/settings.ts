/**
 * What one `fleet loadtest` run does, from its flags and the profile's
 * `loadtest` section (spec section 2): which architectures in which order,
 * the user levels, think time, durations, engine and target. Flags win over
 * the profile, the profile over the defaults. Pure but for the environment
 * (the AWS emulator check).
 */
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'
import {unknownArchitecture} from '../profile/sections.js'
import type {Profile} from '../profile/types.js'
import {durationMs, formatDuration, parseDuration} from '../util/duration.js'
import {type AddressSource, pinLabel, sourceText} from './pin.js'
import type {EngineName} from './types.js'

export const LOADTEST_DEFAULTS = {users: [100, 500, 1000], thinkMs: 1000, durationMs: 60_000, warmupMs: 10_000} as const

/** The most a step may last (its warm-up or its measured part), and the most users one level may have. */
const MAX_STEP_MS = 3_600_000
const MAX_THINK_MS = 600_000
const MAX_USERS = 100_000

export interface LoadtestFlags {
  arch?: string[]
  users?: string
  think?: string
  duration?: string
  warmup?: string
  path?: string
  engine?: EngineName
  down?: boolean
}

/** The URL of the load: the profile's, or `http://<the LB's IP><path>` (read after each architecture is up). */
export type TargetSpec = {kind: 'url'; url: string} | {kind: 'lb-ip'; path: string}

export interface LoadtestSettings {
  /** Architecture ids in run order. */
  archs: string[]
  /** User levels, ascending, without repeats. */
  users: number[]
  thinkMs: number
  durationMs: number
  warmupMs: number
  engine: EngineName
  target: TargetSpec
  /** Where the load and every check connect: the LB's public or private IP (`loadtest.address`), never DNS. */
  address: AddressSource
  down: boolean
}

/** The run's settings; a bad value is a UsageError (exit 2) naming where it came from. */
export function loadtestSettings(profile: Profile, flags: LoadtestFlags, env: NodeJS.ProcessEnv = process.env): LoadtestSettings {
  const section = profile.data.loadtest ?? {}
  const where = (key: string) => `loadtest.${key} in ${profile.file}`
  const settings: LoadtestSettings = {
    archs: archsOf(profile, flags.arch),
    users: flags.users === undefined ? levels(section.users ?? [...LOADTEST_DEFAULTS.users]) : parseUsers(flags.users),
    thinkMs: stepDuration(flags.think ?? section.think, flags.think === undefined ? where('think') : '--think', LOADTEST_DEFAULTS.thinkMs, {allowZero: true, maxMs: MAX_THINK_MS}),
    durationMs: stepDuration(flags.duration ?? section.duration, flags.duration === undefined ? where('duration') : '--duration', LOADTEST_DEFAULTS.durationMs, {maxMs: MAX_STEP_MS}),
    warmupMs: stepDuration(flags.warmup, '--warmup', LOADTEST_DEFAULTS.warmupMs, {allowZero: true, maxMs: MAX_STEP_MS}),
    engine: flags.engine ?? 'autocannon',
    target: targetOf(section.url, flags.path),
    address: {account: profile.data.nginx?.on ?? 'lb', kind: section.address ?? 'public'},
    down: flags.down ?? false,
  }
  refuseEmulatedTarget(settings.address, env)
  refuseUnpinnable(settings)
  return settings
}

/** `--arch` in the order given (repeats dropped), else every architecture of the profile in file order. */
function archsOf(profile: Profile, flag: string[] | undefined): string[] {
  const known = profile.architectureIds
  if (profile.data.architectures === undefined || known.length === 0) {
    throw new UsageError('MissingSection', `Profile \`${profile.name}\` has no architectures to load-test.`, {
      nextSteps: [`Add an \`architectures:\` section to ${profile.file}; profiles/example.yaml shows one.`],
    })
  }
  if (!flag || flag.length === 0) return [...known]
  const ids = [...new Set(flag.map((id) => id.trim()).filter(Boolean))]
  for (const id of ids) if (!known.includes(id)) throw unknownArchitecture(profile, id, 'flag')
  return ids
}

/** `100,500,1000` (spaces allowed) → ascending levels. */
export function parseUsers(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim())
  const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > MAX_USERS)
  if (bad !== undefined || parts.length === 0) {
    throw new UsageError('BadUsers', `--users ${JSON.stringify(text)}: expected user levels such as 100,500,1000 (whole numbers from 1 to ${MAX_USERS}); ${JSON.stringify(bad ?? '')} is not one.`)
  }
  return levels(parts.map(Number))
}

function levels(users: number[]): number[] {
  return [...new Set(users)].sort((a, b) => a - b)
}

function stepDuration(value: string | undefined, where: string, fallback: number, bounds: {allowZero?: boolean; maxMs: number}): number {
  if (value === undefined) return fallback
  // A bare 0 ("think: 0") is a duration too.
  if (bounds.allowZero && durationMs(value) === 0) return 0
  return parseDuration(value, where, {...bounds, why: `at most ${formatDuration(bounds.maxMs)}`})
}

/**
 * `loadtest.url` as written, or with its path replaced by `--path`; without a
 * URL, the LB's IP and `--path` (default `/`).
 */
export function targetOf(url: string | undefined, path: string | undefined): TargetSpec {
  if (path !== undefined && !path.startsWith('/')) throw new UsageError('BadPath', `--path ${JSON.stringify(path)} must start with /.`)
  if (url === undefined) return {kind: 'lb-ip', path: path ?? '/'}
  if (path === undefined) return {kind: 'url', url}
  const parsed = new URL(url)
  const withPath = new URL(path, parsed.origin)
  return {kind: 'url', url: withPath.href}
}

/** The URL of a target once the LB's IP (the one the load connects to) is known. */
export function targetUrl(target: TargetSpec, lbIp: string | null): string | null {
  if (target.kind === 'url') return target.url
  if (!lbIp) return null
  return `http://${isIP(lbIp) === 6 ? `[${lbIp}]` : lbIp}${target.path}`
}

/** How the target is named before the run (the report's `target`): the URL, or `http://<lb's public IP>/`. */
export function targetLabel(target: TargetSpec, address: AddressSource): string {
  return target.kind === 'url' ? target.url : `http://<${sourceText(address)}>${target.path}`
}

/** The plan's and the report's line: `https://parking.example.com/ → 54.180.12.7:443 (lb's public IP; DNS not used)`. */
export function targetLine(target: TargetSpec, address: AddressSource, at: string | null): string {
  if (target.kind === 'lb-ip') return at === null ? `${targetLabel(target, address)} (read after up; DNS not used)` : pinLabel(`http://${at.replace(/:80$/, '')}${target.path}`, address, at)
  return pinLabel(target.url, address, at)
}

/**
 * Against an AWS emulator (AWS_ENDPOINT_URL), the LB's public IP is made up
 * and may belong to anyone: the load goes to its private IP only (which a
 * local rig binds on this machine; `refuseEmulatedAddress` checks it is a
 * loopback one once known). Refused before anything changes.
 */
function refuseEmulatedTarget(address: AddressSource, env: NodeJS.ProcessEnv): void {
  if (address.kind !== 'public' || !env.AWS_ENDPOINT_URL) return
  throw new UsageError('EmulatedTarget', `AWS_ENDPOINT_URL is set (an AWS emulator): the LB's public IP it reports is no real host, and fleet sends no load to it (the load always goes to the LB's own address, whatever loadtest.url names).`, {
    nextSteps: ['Set `loadtest.address: private` in the profile, with the LB\'s private IP one that really serves the fleet here (e.g. a local nginx on a loopback address).'],
  })
}

/**
 * Artillery checks a certificate against the Host header's name, or, when
 * that is an IP address, against the address it connects to: for an https
 * URL naming an IP, that would be the LB's, not the URL's. Refused before
 * anything changes (the in-process engine checks it itself).
 */
function refuseUnpinnable(settings: LoadtestSettings): void {
  if (settings.engine !== 'artillery' || settings.target.kind !== 'url') return
  const url = new URL(settings.target.url)
  if (url.protocol !== 'https:' || !isIP(url.hostname.replace(/^\[|\]$/g, ''))) return
  throw new UsageError('EngineCannotPin', `--engine artillery cannot check the certificate of ${settings.target.url} against ${url.hostname} while it connects to the LB's own address.`, {
    nextSteps: ['Name the site by its host name in loadtest.url, or use --engine autocannon.'],
  })
}
