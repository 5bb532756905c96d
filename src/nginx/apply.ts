import {UsageError} from '../errors.js'
import {applyKeepalive, proxyLocations} from './keepalive.js'
import {contextLabel, parseConfig} from './parser.js'
import type {NginxChange, NginxFoundBefore, NginxSettings} from './types.js'
import {type MovedUpstream, moveInlineUpstream} from './upstream-move.js'
import {applyWorkerSettings} from './workers.js'

export interface NginxTarget {
  /** profile `nginx.upstream` */
  upstream: string
  /** profile `nginx.upstreamInclude` (default `nginx.upstreamFile`): the upstream file as nginx sees it */
  upstreamInclude: string
  /** The config's path, for messages only. */
  source?: string
}

export interface NginxEditResult {
  /** The new config text. */
  text: string
  changed: boolean
  changes: NginxChange[]
  warnings: string[]
  /** What to keep in state once the new config is live (see NginxFoundBefore). */
  foundBefore: NginxFoundBefore
  /** The inline upstream block that moved out of the config, or null. */
  movedUpstream: MovedUpstream | null
  /** Where the config proxies to the upstream, e.g. `http > server[listen 443 ssl] > location /`. */
  proxyLocations: string[]
}

/**
 * Applies an architecture's nginx settings to the main config (pure: text in,
 * text out).
 *
 * How fleet finds its way back (a decision): it does not keep a pristine
 * copy of the config to recompute from, since that would undo whatever the
 * user changed by hand after fleet's first sync. Instead:
 * - values fleet replaced (worker_*) are recorded in `foundBefore` at fleet's
 *   first change and written back when an architecture omits them;
 * - lines fleet adds end with `# fleet`, so they can be found and removed
 *   exactly, inherited headers copied into a location included;
 * - keep-alive lines are removed and added afresh on every run, so they
 *   follow the user's own header changes and a second run changes nothing.
 * Reverting gives back the original bytes, except for the upstream move,
 * which stays, and for blocks written on one line (`location / { ... }`),
 * which fleet's lines split onto several lines.
 *
 * A config with no location proxying to the upstream is an error when keep-
 * alive is asked for (fleet cannot do what the architecture says) and a
 * warning otherwise (the upstream may be used from a file fleet cannot see).
 */
export function applyNginxSettings(
  text: string,
  target: NginxTarget,
  settings: NginxSettings,
  foundBefore: NginxFoundBefore = {},
): NginxEditResult {
  validateSettings(settings)
  const found: NginxFoundBefore = {...foundBefore}
  const move = moveInlineUpstream(text, target.upstream, target.upstreamInclude, target.source)
  const workers = applyWorkerSettings(move.text, settings, found, target.source)
  const keepalive = applyKeepalive(workers.text, target.upstream, settings.keepalive !== undefined, target.source)
  const locations = proxyLocations(parseConfig(keepalive.text, target.source), target.upstream).map(contextLabel)
  const warnings = [...move.warnings, ...workers.warnings, ...keepalive.warnings]
  if (locations.length === 0) {
    warnings.push(`${target.source ?? 'nginx config'} has no location with "proxy_pass http://${target.upstream}": requests may never reach the upstream`)
  }
  return {
    text: keepalive.text,
    changed: keepalive.text !== text,
    changes: [...move.changes, ...workers.changes, ...keepalive.changes],
    warnings,
    foundBefore: found,
    movedUpstream: move.moved,
    proxyLocations: locations,
  }
}

function validateSettings(settings: NginxSettings): void {
  const {workerProcesses: wp, workerConnections: wc, keepalive: ka} = settings
  if (wp !== undefined && wp !== 'auto' && !(Number.isInteger(wp) && wp >= 1)) {
    throw new UsageError('NginxBadSetting', `workerProcesses must be "auto" or a whole number above 0, not ${String(wp)}`)
  }
  if (wc !== undefined && !(Number.isInteger(wc) && wc >= 1)) {
    throw new UsageError('NginxBadSetting', `workerConnections must be a whole number above 0, not ${String(wc)}`)
  }
  if (ka !== undefined && !(Number.isInteger(ka) && ka >= 1)) {
    throw new UsageError('NginxBadSetting', `keepalive must be a whole number above 0, not ${String(ka)}`)
  }
}
