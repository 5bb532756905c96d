import {type NginxEditResult, type NginxTarget, applyNginxSettings} from './apply.js'
import type {NginxFoundBefore, NginxSettings} from './types.js'
import {DEFAULT_KEEPALIVE_TIMEOUT, parseUpstream, renderUpstreamFile} from './upstream-file.js'

export interface NginxFilesInput {
  /** nginx.config as it is on the host. */
  config: string
  /** nginx.upstreamFile as it is on the host, or null when it does not exist yet. */
  upstreamFile: string | null
  target: NginxTarget
  settings: NginxSettings
  foundBefore?: NginxFoundBefore
  /** "ip:port" of every running app server; never empty. */
  servers: readonly string[]
}

export interface NginxFilesPlan {
  config: NginxEditResult
  /** The upstream file fleet would write. */
  upstreamFile: string
  upstreamChanged: boolean
  /** True when either file changes (then test, reload and verify). */
  changed: boolean
}

/**
 * Both files of one `upstream sync`, computed from what is on the host. The
 * upstream block's own extra directives (`least_conn;`, `zone ...;`) are
 * carried over: from the inline block on the first sync, then from fleet's
 * upstream file.
 */
export function planNginxFiles(input: NginxFilesInput): NginxFilesPlan {
  const config = applyNginxSettings(input.config, input.target, input.settings, input.foundBefore)
  const current = input.upstreamFile === null ? null : parseUpstream(input.upstreamFile, input.target.upstream)
  const extra = config.movedUpstream?.extra ?? current?.extra ?? []
  const upstreamFile = renderUpstreamFile(input.target.upstream, input.servers, {
    keepalive: input.settings.keepalive,
    keepaliveTimeout: input.settings.keepaliveTimeout,
    extra,
  })
  const upstreamChanged = upstreamFile !== input.upstreamFile
  const warnings = [...config.warnings, ...replacedKeepalive(input.target.upstream, config.movedUpstream ?? null, input.settings)]
  return {config: {...config, warnings}, upstreamFile, upstreamChanged, changed: config.changed || upstreamChanged}
}

/** The user's own keep-alive in an inline upstream gives way to the architecture's: say so. */
function replacedKeepalive(upstream: string, moved: {keepalive: number | null; keepaliveTimeout: string | null} | null, settings: NginxSettings): string[] {
  if (!moved || moved.keepalive === null) return []
  const mine = `keepalive ${moved.keepalive}${moved.keepaliveTimeout ? `, keepalive_timeout ${moved.keepaliveTimeout}` : ''}`
  if (settings.keepalive === undefined) {
    return [`upstream ${upstream}: its own ${mine} is dropped: the architecture sets no keepalive (add nginx.keepalive to it to keep upstream connections alive)`]
  }
  const theirs = `keepalive ${settings.keepalive}, keepalive_timeout ${settings.keepaliveTimeout ?? DEFAULT_KEEPALIVE_TIMEOUT}`
  return theirs === `keepalive ${moved.keepalive}, keepalive_timeout ${moved.keepaliveTimeout ?? ''}` ? [] : [`upstream ${upstream}: its own ${mine} is replaced by the architecture's ${theirs}`]
}

/** What `upstream show` reports: servers missing from the host's upstream, and servers that should go. */
export function compareServers(actual: readonly string[], wanted: readonly string[]): {missing: string[]; stale: string[]; same: boolean} {
  const missing = wanted.filter((s) => !actual.includes(s))
  const stale = actual.filter((s) => !wanted.includes(s))
  return {missing, stale, same: missing.length === 0 && stale.length === 0}
}
