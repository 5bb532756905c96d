import type {AwsProvider} from '../aws/provider.js'
import {readInstances} from '../fleet/read-instances.js'
import {compareServers, parseUpstream, upstreamsInDump} from '../nginx/index.js'
import {architectureView} from '../profile/architecture.js'
import {type Profile, resolveArchitecture} from '../profile/load.js'
import type {NginxConfig} from '../profile/schema.js'
import {KnownHosts, type RemoteShell, withRemote} from '../remote/index.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import {decodeText} from '../text/encoding.js'
import {upstreamContext} from './context.js'
import {pendingMarkerOf, remoteTimeoutMs} from './host.js'
import type {Skipped} from './servers.js'

interface UpstreamSettings {
  servers: string[]
  keepalive: number | null
  keepaliveTimeout: string | null
}

/** `upstream show`: the upstream on the host (its files, and what nginx.dump shows) vs what it should be. */
export interface ShowResult {
  arch: string
  upstream: string
  /** Where the upstream was found: fleet's file, inline in nginx.config, or nowhere. */
  source: 'upstreamFile' | 'config' | null
  onHost: UpstreamSettings | null
  /** The upstream as nginx.dump shows it; null when the dump shows no such upstream or failed. */
  loaded: UpstreamSettings | null
  /** True when a run was cut short between writing the files and reloading nginx: what nginx serves is unknown. */
  pending: boolean
  wanted: UpstreamSettings
  missing: string[]
  stale: string[]
  /** True when the files on disk AND what nginx has loaded are what the architecture wants. */
  inSync: boolean
  skipped: Skipped[]
}

/** Reads the upstream from the LB host (fleet's file, else inline in the config) and from nginx's dump; changes nothing. */
export async function upstreamShow(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore},
  options: {archFlag?: string; acceptNewHostKey?: boolean; concurrency: number},
): Promise<ShowResult> {
  const {id} = resolveArchitecture(profile, options.archFlag, await lastAppliedArch(deps.state))
  const instances = await readInstances(profile, {provider: deps.provider, concurrency: options.concurrency})
  const ctx = upstreamContext(profile, architectureView(profile, id), instances, 'fleet upstream show')
  const {nginx} = ctx
  const {found, loaded, pending} = await withRemote(ctx.lb.target, {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey}, async (sh) => {
    const inFiles = await upstreamInFiles(sh, nginx)
    const dump = await sh.exec(nginx.dump, {timeoutMs: remoteTimeoutMs()})
    const inDump = dump.code === 0 ? upstreamsInDump(dump.stdout, nginx.upstream) : []
    const pending = (await sh.stat(pendingMarkerOf(nginx))) !== null
    return {found: inFiles, loaded: inDump.length === 1 ? settingsOf(inDump[0]!) : null, pending}
  })
  const keepalive = ctx.arch.nginx.keepalive ?? null
  const wanted = {servers: ctx.servers, keepalive, keepaliveTimeout: keepalive === null ? null : (ctx.arch.nginx.keepaliveTimeout ?? '15s')}
  const onHost = found ? found.info : null
  const {missing, stale} = compareServers(onHost?.servers ?? [], wanted.servers)
  return {
    arch: ctx.arch.id,
    upstream: nginx.upstream,
    source: found?.source ?? null,
    onHost,
    loaded,
    pending,
    wanted,
    missing,
    stale,
    inSync: found?.source === 'upstreamFile' && !pending && same(onHost, wanted) && same(loaded, wanted),
    skipped: ctx.skipped,
  }
}

/** The upstream as the files on the host hold it: fleet's file, else inline in nginx.config; null when neither has it. */
export async function upstreamInFiles(sh: RemoteShell, nginx: NginxConfig): Promise<{source: 'upstreamFile' | 'config'; info: UpstreamSettings} | null> {
  for (const [source, path] of [['upstreamFile', nginx.upstreamFile], ['config', nginx.config]] as const) {
    const bytes = await sh.readFile(path)
    const info = bytes === null ? null : parseUpstream(decodeText(bytes).text, nginx.upstream, path)
    if (info) return {source, info: settingsOf(info)}
  }
  return null
}

function settingsOf(info: UpstreamSettings): UpstreamSettings {
  return {servers: info.servers, keepalive: info.keepalive ?? null, keepaliveTimeout: info.keepaliveTimeout ?? null}
}

function same(a: UpstreamSettings | null, b: UpstreamSettings): boolean {
  return a !== null && compareServers(a.servers, b.servers).same && a.keepalive === b.keepalive && a.keepaliveTimeout === b.keepaliveTimeout
}
