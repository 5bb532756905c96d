import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {basename, dirname, extname, isAbsolute, join, resolve} from 'node:path'

import createDebug from 'debug'

import {UsageError} from '../errors.js'
import {fleetHome} from '../home.js'
import type {AccountConfig} from './schema.js'
import type {Profile, ResolvedAccount} from './types.js'
import {didYouMean} from './suggest.js'
import {parseProfileText} from './validate.js'

export {requireSection, resolveArchitecture, type ResolvedArchitecture} from './sections.js'
export type {Profile, ResolvedAccount} from './types.js'

const debug = createDebug('fleet:profile')

export interface LoadOptions {
  /** Where `./profiles/` and relative paths start (default: process.cwd()). */
  cwd?: string
  /** For FLEET_HOME, HOME, AWS_REGION, AWS_DEFAULT_REGION (default: process.env). */
  env?: NodeJS.ProcessEnv
}

const profileName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** True when `--profile` holds a file path rather than a name. */
export function isProfilePath(nameOrPath: string): boolean {
  return /\.ya?ml$/i.test(nameOrPath)
}

/**
 * The files a profile name may live in, in lookup order:
 * `./profiles/NAME.yaml`, then `$FLEET_HOME/profiles/NAME.yaml`. A path
 * (ending .yaml/.yml) is the one candidate, and its stem is the name.
 */
export function profileCandidates(nameOrPath: string, options: LoadOptions = {}): {name: string; files: string[]} {
  const cwd = options.cwd ?? process.cwd()
  if (isProfilePath(nameOrPath)) {
    const file = resolve(cwd, expandHome(nameOrPath, options.env))
    const name = basename(file, extname(file))
    // The name keys state/<name>/ and the locks: `...yaml` must not make `..`.
    if (!profileName.test(name)) {
      throw new UsageError('BadProfileName', `The file name of ${file} does not make a profile name: \`${name}\` must start with a letter or digit and hold only letters, digits, ".", "-", "_".`, {
        nextSteps: ['Rename the file, e.g. honors.yaml.'],
      })
    }
    return {name, files: [file]}
  }
  if (!profileName.test(nameOrPath)) {
    throw new UsageError('BadProfileName', `\`${nameOrPath}\` is neither a profile name (letters, digits, ".", "-", "_") nor a path ending in .yaml.`)
  }
  const files = [join(resolve(cwd), 'profiles', `${nameOrPath}.yaml`), join(fleetHome(options.env ?? process.env), 'profiles', `${nameOrPath}.yaml`)]
  return {name: nameOrPath, files}
}

/** Finds, reads, validates and resolves a profile (spec section 2). */
export async function loadProfile(nameOrPath: string, options: LoadOptions = {}): Promise<Profile> {
  const {name, files} = profileCandidates(nameOrPath, options)
  for (const file of files) {
    const text = await readIfExists(file)
    if (text === null) continue
    debug('profile %s from %s', name, file)
    return profileFromText(text, {name, file, env: options.env})
  }
  throw notFound(nameOrPath, name, files)
}

/** Builds a Profile from YAML text already read (no file system access). */
export function profileFromText(text: string, where: {name: string; file: string; env?: NodeJS.ProcessEnv}): Profile {
  const env = where.env ?? process.env
  const {data, accountOrder, architectureOrder} = parseProfileText(text, where.file, where.name)
  const folder = dirname(where.file)
  const missingRegion: string[] = []
  const accounts = accountOrder.map((accountName): ResolvedAccount => {
    const config = data.accounts[accountName]!
    const region = config.region ?? data.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)
    if (region === undefined) missingRegion.push(accountName)
    const ssh = config.ssh === undefined ? undefined : resolveSsh(config.ssh, folder, env)
    return {...config, name: accountName, region: region ?? '', ssh}
  })
  if (missingRegion.length > 0) {
    throw new UsageError('NoRegion', `Profile \`${where.name}\` (${where.file}) gives no region for ${missingRegion.map((a) => `\`${a}\``).join(', ')}.`, {
      nextSteps: ['Add `region: ap-northeast-2` (yours) at the top of the profile or on the account, or set AWS_REGION.'],
    })
  }
  const byName = new Map(accounts.map((a) => [a.name, a]))
  return {
    name: where.name,
    file: where.file,
    data,
    accounts,
    architectureIds: architectureOrder.filter((id) => data.architectures?.[id] !== undefined),
    account(accountName: string): ResolvedAccount {
      const found = byName.get(accountName)
      if (found) return found
      const names = [...byName.keys()]
      throw new UsageError('UnknownAccount', `Profile \`${where.name}\` has no account \`${accountName}\`${didYouMean(accountName, names)} (accounts: ${names.join(', ')}).`)
    },
  }
}

/**
 * A path on this machine written in a profile: `~` is the home folder, and
 * a relative path starts at the profile's folder. (Paths on the hosts, such
 * as nginx.config, are never passed through this.)
 */
export function resolveLocalPath(path: string, profileFolder: string, env: NodeJS.ProcessEnv = process.env): string {
  const expanded = expandHome(path, env)
  return isAbsolute(expanded) ? expanded : resolve(profileFolder, expanded)
}

function resolveSsh(ssh: NonNullable<AccountConfig['ssh']>, folder: string, env: NodeJS.ProcessEnv): ResolvedAccount['ssh'] {
  const {key, ...rest} = ssh
  return key === undefined ? rest : {...rest, key: resolveLocalPath(key, folder, env)}
}

function expandHome(path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (path !== '~' && !path.startsWith('~/')) return path
  return join(nonEmpty(env.HOME) ?? homedir(), path.slice(1))
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return utf8Text(await readFile(file), file)
  } catch (error) {
    if (error instanceof UsageError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    throw new UsageError('ProfileUnreadable', `Cannot read profile ${file}: ${(error as Error).message}`, {cause: error})
  }
}

/** A profile is UTF-8 (a BOM is allowed); anything else is said so, with where the first bad byte is. */
function utf8Text(bytes: Buffer, file: string): string {
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.subarray(0, 64).includes(0)
  try {
    if (utf16) throw new Error('UTF-16')
    return new TextDecoder('utf-8', {fatal: true, ignoreBOM: false}).decode(bytes)
  } catch {
    const bad = utf16 ? 0 : firstInvalidUtf8(bytes)
    const line = bytes.subarray(0, bad).toString('latin1').split('\n').length
    throw new UsageError('ProfileNotUtf8', `${file}:${line}: the profile is not UTF-8${utf16 ? ' (it looks like UTF-16)' : ''}.`, {
      nextSteps: [`Save it as UTF-8 (most editors: "Save with encoding"), e.g. \`iconv -f ${utf16 ? 'UTF-16' : 'LATIN1'} -t UTF-8 ${file} > new.yaml\`.`],
    })
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  let lo = 0
  let hi = bytes.length
  // The longest valid prefix, found by halving (a decoder error has no offset).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    try {
      new TextDecoder('utf-8', {fatal: true}).decode(bytes.subarray(0, mid), {stream: true})
      lo = mid
    } catch {
      hi = mid - 1
    }
  }
  return lo
}

function notFound(nameOrPath: string, name: string, files: string[]): UsageError {
  if (isProfilePath(nameOrPath)) {
    return new UsageError('ProfileNotFound', `No profile file at ${files[0]}.`, {
      nextSteps: [`Create it with \`fleet init ${nameOrPath}\`, or check the path.`],
    })
  }
  return new UsageError('ProfileNotFound', `No profile \`${name}\`: looked for ${files.join(' and ')}.`, {
    nextSteps: [`Create it with \`fleet init ${name}\`, or pass a file with --profile path/to/profile.yaml.`],
  })
}
