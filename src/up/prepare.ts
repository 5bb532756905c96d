import type {AwsProvider} from '../aws/provider.js'
import {toErrorInfo, UsageError, type ErrorInfo} from '../errors.js'
import type {InstanceView} from '../fleet/instances.js'
import type {FleetInstances, InstanceRead} from '../fleet/read-instances.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {CpuCredits} from '../plan/up-cost.js'
import {type ObservedInstance, planUp, type UpPlan, upPlanInput} from '../plan/up-plan.js'
import type {ArchitectureView} from '../profile/architecture.js'
import {planArchitecture} from '../plan/service.js'
import {type Profile, requireSection, resolveArchitecture} from '../profile/load.js'
import {KnownHosts, withRemote} from '../remote/index.js'
import {type AppliedState, type StateStore} from '../state/json-store.js'
import {upstreamInFiles} from '../upstream/show.js'
import {fanOut} from '../util/fan-out.js'
import {assertStopsOnShutdown} from './auto-stop.js'

/** What `fleet up` read and plans to do, before anyone confirms it. */
export interface PreparedUp {
  arch: ArchitectureView
  /** Whether the architecture was named by --arch, or `fleet up` goes on with the one it was applying. */
  from: 'flag' | 'state'
  /** The state file said the last `up` did not complete. */
  resumed: boolean
  up: UpPlan
  instances: Map<string, InstanceRead>
  /** Accounts that could not be read (their role, their instance): left alone. */
  errors: Array<{account: string; error: ErrorInfo}>
  /** Why the upstream now is unknown (the LB stopped, SSH failed), when it is. */
  upstreamNote: string | null
}

export interface PrepareDeps {
  provider: AwsProvider
  state: StateStore
}

export interface PrepareOptions {
  archFlag?: string
  /** `--ttl`: checked here, before anything changes, that no instance would terminate itself. */
  ttlMs?: number
  concurrency: number
  acceptNewHostKey?: boolean
}

/**
 * Reads every account (instances, CPU credits) and the LB's upstream, checks
 * the LB's target type exists, and plans the run (src/plan/up-plan.ts).
 * Nothing is changed. Without --arch it goes on with the architecture the
 * last `up` applied or was applying (an interrupted run is retried).
 */
export async function prepareUp(profile: Profile, deps: PrepareDeps, options: PrepareOptions): Promise<PreparedUp> {
  requireSection(profile, 'nginx', 'fleet up')
  const applied = await deps.state.read<AppliedState>('applied')
  const {id, from} = resolveArchitecture(profile, options.archFlag, applied?.arch)
  // The plan service `arch show` prints: the architecture and every account read once.
  const {architecture: arch, instances, errors} = await planArchitecture(profile, {aws: async () => deps.provider, concurrency: options.concurrency}, {archId: id, command: 'fleet up'})
  await checkLbType(profile, deps.provider, arch)
  if (options.ttlMs) {
    const targets = [...new Set([arch.lb.account!, ...arch.apps.map((a) => a.account)])].flatMap((account) => {
      const instance = instances.get(account)?.instance
      return instance ? [{account, instance}] : []
    })
    await assertStopsOnShutdown(profile, deps.provider, targets, options.concurrency)
  }
  const credits = await readCredits(profile, deps.provider, instances, options.concurrency)
  const {servers, note} = await readUpstreamNow(profile, instances, options)
  const actual = new Map([...instances].map(([name, r]): [string, ObservedInstance | null] => [name, r.instance ? observed(r.instance, credits.get(name)) : null]))
  const up = planUp(upPlanInput(profile, id, actual, servers))
  return {arch, from, resumed: applied?.arch === id && applied.complete === false, up, instances: new Map(instances), errors, upstreamNote: note}
}

function observed(view: InstanceView, cpuCredits: CpuCredits | undefined): ObservedInstance {
  return {state: view.state, type: view.type, id: view.id, publicIp: view.publicIp, privateIp: view.privateIp, cpuCredits: cpuCredits ?? null}
}

/** An LB type AWS does not know is refused before anything changes (exit 2), naming where it is written. */
async function checkLbType(profile: Profile, provider: AwsProvider, arch: ArchitectureView): Promise<void> {
  const type = arch.lb.instanceType
  if (!type || !arch.lb.account) return
  const unknown = await (await (await provider.forAccount(profile.account(arch.lb.account))).instances()).unknownTypes([type])
  if (unknown.length > 0) {
    throw new UsageError('UnknownInstanceType', `architectures.${arch.id}.lb.instanceType: ${type} is not an instance type AWS offers in ${profile.account(arch.lb.account).region}.`, {
      nextSteps: ['Check the spelling (t2.medium, t3.large, ...): `aws ec2 describe-instance-types --query "InstanceTypes[].InstanceType"` lists them.'],
    })
  }
}

const burstable = /^(t2|t3|t3a|t4g)\./

/** The CPU credit option of burstable instances: `unlimited` bills surplus credits under load. */
async function readCredits(profile: Profile, provider: AwsProvider, instances: FleetInstances, concurrency: number): Promise<Map<string, CpuCredits>> {
  const burst = [...instances].filter(([, r]) => r.instance && burstable.test(r.instance.type) && !['terminated', 'shutting-down'].includes(r.instance.state))
  const outcomes = await fanOut(burst, concurrency, async ([name, r]) => {
    const port = await (await provider.forAccount(profile.account(name))).instances()
    return (await port.cpuCredits([r.instance!.id])).get(r.instance!.id)
  })
  const credits = new Map<string, CpuCredits>()
  outcomes.forEach((o, i) => {
    // Not knowing the credits is no reason to stop: the plan then says nothing about them.
    if (o.ok && (o.value === 'unlimited' || o.value === 'standard')) credits.set(burst[i]![0], o.value)
  })
  return credits
}

/** The upstream servers on the LB now (its files), for the plan's before/after; null when the LB is not running or cannot be read. */
async function readUpstreamNow(profile: Profile, instances: FleetInstances, options: PrepareOptions): Promise<{servers: string[] | null; note: string | null}> {
  const nginx = profile.data.nginx!
  const lb = instances.get(nginx.on)?.instance
  if (!lb || lb.state !== 'running') return {servers: null, note: lb ? `the nginx host is ${lb.state}` : 'the nginx host could not be read'}
  try {
    const target = remoteTargetFor(profile.account(nginx.on), lb)
    const found = await withRemote(target, {knownHosts: new KnownHosts(), acceptNewHostKey: options.acceptNewHostKey, connectTimeoutMs: 10_000}, (sh) => upstreamInFiles(sh, nginx))
    return {servers: found?.info.servers ?? [], note: found ? null : `no upstream ${nginx.upstream} on the nginx host`}
  } catch (error) {
    return {servers: null, note: `the nginx host's upstream could not be read: ${toErrorInfo(error).message}`}
  }
}
