import {type ErrorInfo, toErrorInfo} from '../errors.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile} from '../profile/load.js'
import {connect, KnownHosts} from '../remote/index.js'
import type {StateStore} from '../state/json-store.js'
import {syncOnHost} from '../upstream/host.js'
import type {Cancel} from '../util/cancel.js'
import type {PreparedUp} from './prepare.js'

/** Step 1 of `up`: what left the upstream before anything stopped. */
export interface DrainOutcome {
  /** The servers taken out. */
  servers: string[]
  changed: boolean
  /** Why there was nothing to drain or it could not be done, when so. */
  skipped: string | null
  error: ErrorInfo | null
}

/**
 * Takes the servers of instances about to stop out of the upstream first, so
 * nginx stops sending to them before they go (spec section 4, `up` step 1).
 * Skipped when the LB is not running, and when every server would go (an
 * empty upstream is never written). A failure is reported; the run goes on.
 */
export async function drainUpstream(
  profile: Profile,
  state: StateStore,
  prepared: PreparedUp,
  options: {cancel: Cancel; acceptNewHostKey?: boolean; onStep?(label: string): void},
): Promise<DrainOutcome> {
  const {drain, before} = prepared.up.upstream
  const none = (skipped: string | null): DrainOutcome => ({servers: [], changed: false, skipped, error: null})
  if (drain.length === 0 || before === null) return none(null)
  const nginx = profile.data.nginx!
  const lb = prepared.instances.get(nginx.on)?.instance
  if (!lb || lb.state !== 'running') return none('the nginx host is not running')
  const stay = before.filter((s) => !drain.includes(s))
  if (stay.length === 0) return none('every server of the upstream stops; it is left as it is until the final sync (fleet never writes an empty upstream)')
  options.onStep?.(`taking ${drain.join(', ')} out of the upstream`)
  const target = remoteTargetFor(profile.account(nginx.on), lb)
  const connectOptions = {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey}
  try {
    const first = await connect(target, connectOptions)
    const host = {shell: first, reopen: () => connect(target, {...connectOptions, retryForMs: 10_000})}
    try {
      const out = await syncOnHost(host, state, {nginx, settings: prepared.arch.nginx, servers: stay, dryRun: false, cancel: options.cancel})
      return {servers: drain, changed: out.changed, skipped: null, error: out.error}
    } finally {
      await first.dispose()
      if (host.shell !== first) await host.shell.dispose()
    }
  } catch (error) {
    return {servers: [], changed: false, skipped: null, error: toErrorInfo(error)}
  }
}
