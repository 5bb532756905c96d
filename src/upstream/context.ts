import {ExternalError} from '../errors.js'
import type {InstanceView} from '../fleet/instances.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {ArchitectureView} from '../profile/architecture.js'
import {type Profile, requireSection} from '../profile/load.js'
import type {NginxConfig} from '../profile/schema.js'
import type {RemoteTarget} from '../remote/index.js'
import {type AppInstance, type Skipped, wantedServers} from './servers.js'

/** Everything an upstream step needs to know before touching the host. */
export interface UpstreamContext {
  nginx: NginxConfig
  arch: ArchitectureView
  lb: {account: string; instance: InstanceView; target: RemoteTarget}
  apps: AppInstance[]
  /** The upstream's servers: every running app of the architecture at its address. */
  servers: string[]
  skipped: Skipped[]
  /** The app ports of each app server of the architecture, for the security groups. */
  ports: Map<string, number[]>
  /** The LB's address as the app servers' groups must admit it (nginx.address). */
  lbIp: string | null
  /** apps.health: checked on every server after a sync. */
  healthPath?: string
}

/** AWS answered, and the answer is that there is no one instance to use: the app is skipped, not guessed at. */
const ANSWERED = new Set(['InstanceNotFound', 'InstanceTerminated', 'AmbiguousInstance'])

/**
 * The upstream the architecture calls for, from the instances the caller
 * read (pure: nothing is read here). An app whose instance could not be read
 * stops the command: leaving a server out because AWS did not answer would
 * be a guess. The LB must be running.
 */
export function upstreamContext(profile: Profile, arch: ArchitectureView, instances: FleetInstances, command: string): UpstreamContext {
  const nginx = requireSection(profile, 'nginx', command)
  const failedApps = arch.apps.filter((a) => {
    const error = instances.get(a.account)?.error
    return error && !ANSWERED.has(error.code)
  })
  if (failedApps.length > 0) {
    const why = failedApps.map((a) => `${a.account}: ${instances.get(a.account)!.error!.message}`).join('\n')
    throw new ExternalError('AppUnreadable', `Cannot read every app server's instance, so the upstream was left as it is.\n${why}`)
  }
  const lbRead = instances.get(nginx.on)
  if (!lbRead) throw new ExternalError('LbUnread', `The nginx host (${nginx.on}) was not read.`)
  if (lbRead.error) throw new ExternalError(lbRead.error.code, lbRead.error.message, {nextSteps: lbRead.error.nextSteps})
  if (lbRead.instance.state !== 'running') {
    throw new ExternalError('LbNotRunning', `The nginx host (${nginx.on}, ${lbRead.instance.id}) is ${lbRead.instance.state}.`, {
      nextSteps: [`Start the fleet first: fleet up --arch ${arch.id}.`],
    })
  }
  const apps = arch.apps.map((a): AppInstance => ({...a, instance: instances.get(a.account)?.instance ?? null, error: instances.get(a.account)?.error ?? null}))
  const {servers, skipped} = wantedServers(apps, nginx.address)
  const lb = lbRead.instance
  return {
    nginx,
    arch,
    lb: {account: nginx.on, instance: lb, target: remoteTargetFor(profile.account(nginx.on), lb)},
    apps,
    servers,
    skipped,
    ports: new Map(arch.apps.map((a) => [a.account, a.ports])),
    lbIp: nginx.address === 'public' ? lb.publicIp : lb.privateIp,
    healthPath: profile.data.apps?.health,
  }
}
