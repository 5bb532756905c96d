import type {ErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile} from '../profile/load.js'
import {connect, KnownHosts} from '../remote/index.js'
import type {EditHost} from '../remote/safe-edit.js'
import type {Locks} from '../state/locks.js'
import {fanOut} from '../util/fan-out.js'
import type {HostOutcome} from './app-env.js'
import type {RdsServerResult} from './types.js'

export interface AppServersRun {
  /** The app servers' account names. */
  names: readonly string[]
  instances: FleetInstances
  concurrency: number
  acceptNewHostKey?: boolean
  /** Keep retrying SSH this long while a just-started instance boots (`fleet up`). */
  sshRetryMs?: number
  /** Held per server around its work; without it (a dry run, or a caller holding them) none is taken. */
  locks?: Locks
}

/**
 * Runs `work` on every running app server in parallel, each over its own SSH
 * session (reopened to put files back if it drops) and under its instance's
 * lock. A stopped server is `skipped`; one that cannot be read or reached
 * fails alone: the others are still done.
 */
export async function onAppServers(profile: Profile, run: AppServersRun, work: (host: EditHost) => Promise<HostOutcome>): Promise<RdsServerResult[]> {
  const outcomes = await fanOut(run.names, run.concurrency, async (name): Promise<RdsServerResult> => {
    const read = run.instances.get(name)
    if (!read) return failed(name, null, {code: 'InstanceNotRead', message: `${name}'s instance was not read.`})
    if (read.error) return failed(name, null, read.error)
    const view = read.instance
    if (view.state !== 'running') return {...blank(name, view.id), outcome: 'skipped', warnings: [`skipped: its instance is ${view.state}`]}
    const target = remoteTargetFor(profile.account(name), view)
    const go = async () => {
      const options = {knownHosts: new KnownHosts(), acceptNewHostKey: run.acceptNewHostKey, retryForMs: run.sshRetryMs ?? 0}
      const first = await connect(target, options)
      const host: EditHost = {shell: first, reopen: () => connect(target, {...options, retryForMs: 10_000})}
      try {
        return {account: name, instanceId: view.id, ...(await work(host))}
      } finally {
        await first.dispose()
        if (host.shell !== first) await host.shell.dispose()
      }
    }
    return run.locks ? run.locks.instances([view.id], go) : go()
  })
  return outcomes.map((o, i) => (o.ok ? o.value : failed(run.names[i]!, run.instances.get(run.names[i]!)?.instance?.id ?? null, o.error)))
}

function blank(account: string, instanceId: string | null): RdsServerResult {
  return {account, instanceId, dbUrlMode: null, before: null, restarted: false, outcome: 'unchanged', diff: '', pending: false, warnings: [], ok: true, error: null}
}

function failed(account: string, instanceId: string | null, error: ErrorInfo): RdsServerResult {
  return {...blank(account, instanceId), outcome: 'failed', ok: false, error}
}
