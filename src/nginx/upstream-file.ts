import {isIPv4, isIPv6} from 'node:net'

import {UsageError} from '../errors.js'
import {type Directive, type ParsedConfig, allDirectives, argValue, parseConfig} from './parser.js'

export interface UpstreamOptions {
  /** Idle connections kept per worker; when set, keep-alive is on. */
  keepalive?: number
  /** Default 15s: below the usual 20 s idle timeout of an app server. */
  keepaliveTimeout?: string
  /** Other directives of the user's upstream block to keep (`least_conn;`), as parseUpstream returns them. */
  extra?: readonly string[]
}

export interface UpstreamInfo {
  name: string
  /** The address of every `server` line, in order ("ip:port" for fleet's). */
  servers: string[]
  keepalive: number | null
  keepaliveTimeout: string | null
  /** Any other directive of the block, as written (e.g. `least_conn;`). */
  extra: string[]
}

export const DEFAULT_KEEPALIVE_TIMEOUT = '15s'
const UPSTREAM_NAME = /^[A-Za-z0-9_.-]+$/
const NGINX_TIME = /^(\d+(ms|s|m|h|d|w|M|y)?)+$/
const OWN_DIRECTIVES = new Set(['server', 'keepalive', 'keepalive_timeout'])

const HEADER = [
  '# Written by fleet (`fleet upstream sync`), which rewrites this file on every sync:',
  '# change the architectures in the fleet profile instead of editing it here.',
]

/** The whole content of fleet's upstream file. Never renders an empty upstream. */
export function renderUpstreamFile(name: string, servers: readonly string[], options: UpstreamOptions = {}): string {
  if (!UPSTREAM_NAME.test(name)) throw new UsageError('NginxBadUpstreamName', `"${name}" is not an nginx upstream name (letters, digits, _ . -)`)
  if (servers.length === 0) {
    throw new UsageError('EmptyUpstream', `fleet never writes an empty upstream "${name}": no app server is running`, {
      nextSteps: ['Start the app servers of the architecture (fleet up --arch ID), then sync again.'],
    })
  }
  const unique = [...new Set(servers.map(validateServer))]
  const body = [...(options.extra ?? []).map(checkExtra), ...unique.map((s) => `server ${s};`)]
  if (options.keepalive !== undefined) {
    if (!Number.isInteger(options.keepalive) || options.keepalive < 1) {
      throw new UsageError('NginxBadSetting', `keepalive must be a whole number of connections above 0, not ${options.keepalive}`)
    }
    const timeout = options.keepaliveTimeout ?? DEFAULT_KEEPALIVE_TIMEOUT
    if (!NGINX_TIME.test(timeout)) throw new UsageError('NginxBadSetting', `keepaliveTimeout "${timeout}" is not an nginx time such as 15s`)
    body.push(`keepalive ${options.keepalive};`, `keepalive_timeout ${timeout};`)
  }
  return [...HEADER, `upstream ${name} {`, ...body.map((l) => `    ${l}`), '}', ''].join('\n')
}

/** Checks an upstream server address ("ip:port", IPv6 in brackets) and returns it. */
export function validateServer(server: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(server)
  const host = match?.[1] ?? match?.[2] ?? ''
  const ipOk = match?.[1] === undefined ? isIPv4(host) : isIPv6(host)
  const port = Number(match?.[3])
  if (!match || !ipOk || port < 1 || port > 65_535) {
    throw new UsageError('NginxBadServer', `upstream server "${server}" is not ip:port (an IP address and a port from 1 to 65535)`)
  }
  return server
}

function checkExtra(line: string): string {
  const parsed = parseConfig(line)
  const [only, ...more] = parsed.root.children
  if (!only || more.length > 0 || only.block || OWN_DIRECTIVES.has(only.name) || /[\r\n]/.test(line)) {
    throw new UsageError('NginxBadSetting', `"${line}" is not one extra upstream directive`)
  }
  return line.trim()
}

/** The upstream block named `name` (nginx compares names ignoring case), or null when the text has none. */
export function parseUpstream(text: string, name: string, source?: string): UpstreamInfo | null {
  const blocks = findUpstreamBlocks(parseConfig(text, source), name)
  return blocks[0] ? describeUpstream(text, blocks[0]) : null
}

/** The server addresses of the upstream named `name`, or null when the text has no such upstream. */
export function parseUpstreamServers(text: string, name: string): string[] | null {
  return parseUpstream(text, name)?.servers ?? null
}

export function findUpstreamBlocks(parsed: ParsedConfig, name: string): Directive[] {
  const wanted = name.toLowerCase()
  return allDirectives(parsed.root).filter((d) => d.name === 'upstream' && d.block && d.args[0]?.value.toLowerCase() === wanted)
}

export function describeUpstream(text: string, block: Directive): UpstreamInfo {
  const children = block.block!.children
  const single = (n: string): string | null => {
    const d = children.find((c) => c.name === n)
    return d ? argValue(d) : null
  }
  const keepalive = single('keepalive')
  return {
    name: block.args[0]!.value,
    servers: children.filter((c) => c.name === 'server').map((c) => c.args[0]?.value ?? ''),
    keepalive: keepalive === null ? null : Number(keepalive),
    keepaliveTimeout: single('keepalive_timeout'),
    extra: children.filter((c) => !OWN_DIRECTIVES.has(c.name) && !c.block).map((c) => text.slice(c.start, c.end)),
  }
}

/**
 * Every upstream named `name` in the output of `nginx -T`, with the file it
 * came from. The dump is each loaded file under a
 * `# configuration file PATH:` line; each file is parsed on its own.
 */
export function upstreamsInDump(dump: string, name: string): Array<UpstreamInfo & {file: string}> {
  const out: Array<UpstreamInfo & {file: string}> = []
  const parts = dump.split(/^# configuration file (.+):\r?$/m)
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const file = parts[i]!
    const body = parts[i + 1]!
    let parsed: ParsedConfig
    try {
      parsed = parseConfig(body, file)
    } catch {
      continue // a file we cannot read (a Lua block, say) cannot hold fleet's upstream
    }
    for (const block of findUpstreamBlocks(parsed, name)) out.push({...describeUpstream(body, block), file})
  }
  return out
}

/** True when the running config (from `nginx -T`) holds exactly one upstream `name` with exactly these servers. */
export function dumpHasUpstream(dump: string, name: string, servers: readonly string[]): boolean {
  const found = upstreamsInDump(dump, name)
  if (found.length !== 1) return false
  const want = [...new Set(servers)].sort()
  const have = [...found[0]!.servers].sort()
  return want.length === have.length && want.every((s, i) => s === have[i])
}
