import type {Instance} from '@aws-sdk/client-ec2'

import type {AwsProvider} from '../aws/provider.js'
import {ExternalError} from '../errors.js'
import {readInstances} from '../fleet/read-instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import {type ArchitectureView, architectureView} from '../profile/architecture.js'
import {type Profile, requireSection, resolveArchitecture} from '../profile/load.js'
import type {NginxConfig} from '../profile/schema.js'
import type {RemoteTarget} from '../remote/index.js'
import {lastAppliedArch, type StateStore} from '../state/state-store.js'
import type {InstanceView} from '../status/instances.js'
import {type AppInstance, type Skipped, wantedServers} from './servers.js'

/** Everything `upstream sync` and `upstream show` need to know before touching the host. */
export interface UpstreamContext {
  nginx: NginxConfig
  arch: ArchitectureView
  lb: {account: string; instance: InstanceView; target: RemoteTarget}
  apps: AppInstance[]
  servers: string[]
  skipped: Skipped[]
  /**
   * Every account whose instance could be read, with its app ports under
   * this architecture ([] when it is not an app server): for the security groups.
   */
  ports: Array<{account: string; instance: Instance; ports: number[]}>
  /** apps.health: checked on every server after a sync. */
  healthPath?: string
}

/**
 * Reads the LB's and the app servers' instances (in parallel) and works out
 * the upstream they call for. An app whose instance cannot be read stops the
 * command: leaving a server out because AWS did not answer would be a guess.
 */
export async function upstreamContext(
  profile: Profile,
  deps: {provider: AwsProvider; state: StateStore; concurrency: number},
  archFlag: string | undefined,
  command: string,
): Promise<UpstreamContext> {
  const nginx = requireSection(profile, 'nginx', command)
  const {id} = resolveArchitecture(profile, archFlag, await lastAppliedArch(deps.state))
  const arch = architectureView(profile, id)
  const read = await readInstances(profile, deps.provider, profile.accounts.map((a) => a.name), deps.concurrency)

  const failedApps = arch.apps.filter((a) => read.get(a.account)!.error !== null)
  if (failedApps.length > 0) {
    const why = failedApps.map((a) => `${a.account}: ${read.get(a.account)!.error!.message}`).join('\n')
    throw new ExternalError('AppUnreadable', `Cannot read every app server's instance, so the upstream was left as it is.\n${why}`)
  }
  const lbRead = read.get(nginx.on)!
  if (lbRead.error) throw new ExternalError(lbRead.error.code, lbRead.error.message)
  if (lbRead.instance.state !== 'running') {
    throw new ExternalError('LbNotRunning', `The nginx host (${nginx.on}, ${lbRead.instance.id}) is ${lbRead.instance.state}.`, {
      nextSteps: [`Start the fleet first: fleet up --arch ${id}.`],
    })
  }
  const apps = arch.apps.map((a): AppInstance => ({...a, instance: read.get(a.account)!.instance, error: null}))
  const {servers, skipped} = wantedServers(apps, nginx.address)
  const lbAccount = profile.account(nginx.on)
  const ports = [...read].flatMap(([account, r]) => {
    if (!r.raw) return []
    const app = apps.find((a) => a.account === account && a.instance?.state === 'running')
    return [{account, instance: r.raw, ports: app ? app.ports : []}]
  })
  return {ports, nginx, arch, lb: {account: nginx.on, instance: lbRead.instance, target: remoteTargetFor(lbAccount, lbRead.instance)}, apps, servers, skipped, healthPath: profile.data.apps?.health}
}
