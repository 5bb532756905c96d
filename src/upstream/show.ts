import type {AwsProvider} from '../aws/provider.js'
import {compareServers, decodeConfig, parseUpstream} from '../nginx/index.js'
import type {Profile} from '../profile/load.js'
import {KnownHosts, withRemote} from '../remote/index.js'
import type {StateStore} from '../state/state-store.js'
import {upstreamContext} from './context.js'
import type {Skipped} from './servers.js'

/** `upstream show`: the upstream on the host vs what it should be. */
export interface ShowResult {
  arch: string
  upstream: string
  /** Where the upstream was found: fleet's file, inline in nginx.config, or nowhere. */
  source: 'upstreamFile' | 'config' | null
  onHost: {servers: string[]; keepalive: number | null; keepaliveTimeout: string | null} | null
  wanted: {servers: string[]; keepalive: number | null; keepaliveTimeout: string | null}
  missing: string[]
  stale: string[]
  inSync: boolean
  skipped: Skipped[]
}

/** Reads the upstream from the LB host (fleet's file, else inline in the config); changes nothing. */
export async function upstreamShow(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore; concurrency: number},
  options: {archFlag?: string; acceptNewHostKey?: boolean},
): Promise<ShowResult> {
  const ctx = await upstreamContext(profile, deps, options.archFlag, 'fleet upstream show')
  const {nginx} = ctx
  const found = await withRemote(ctx.lb.target, {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey}, async (sh) => {
    for (const [source, path] of [['upstreamFile', nginx.upstreamFile], ['config', nginx.config]] as const) {
      const bytes = await sh.readFile(path)
      const info = bytes === null ? null : parseUpstream(decodeConfig(bytes).text, nginx.upstream, path)
      if (info) return {source, info}
    }
    return null
  })
  const keepalive = ctx.arch.nginx.keepalive ?? null
  const wanted = {servers: ctx.servers, keepalive, keepaliveTimeout: keepalive === null ? null : (ctx.arch.nginx.keepaliveTimeout ?? '15s')}
  const onHost = found ? {servers: found.info.servers, keepalive: found.info.keepalive ?? null, keepaliveTimeout: found.info.keepaliveTimeout ?? null} : null
  const {missing, stale} = compareServers(onHost?.servers ?? [], wanted.servers)
  const sameKeepalive = onHost !== null && onHost.keepalive === wanted.keepalive && onHost.keepaliveTimeout === wanted.keepaliveTimeout
  return {
    arch: ctx.arch.id,
    upstream: nginx.upstream,
    source: found?.source ?? null,
    onHost,
    wanted,
    missing,
    stale,
    inSync: onHost !== null && missing.length === 0 && stale.length === 0 && sameKeepalive && found?.source === 'upstreamFile',
    skipped: ctx.skipped,
  }
}
