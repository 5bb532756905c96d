import type {AwsProvider} from '../aws/provider.js'
import type {ErrorInfo} from '../errors.js'
import {type FleetInstances, readInstances} from '../fleet/read-instances.js'
import {type ArchitectureView, architectureView} from '../profile/architecture.js'
import {type Profile, requireSection} from '../profile/load.js'
import {type DesiredAccount, desiredState} from './desired.js'
import {type PlannedChange, planChanges} from './plan.js'

/** An architecture, the state it wants, and what `fleet up` would change to reach it. */
export interface ArchPlan {
  profile: string
  architecture: ArchitectureView
  /** Every account of the profile under this architecture. */
  desired: DesiredAccount[]
  /** What `fleet up --arch ID` would change now; null when the instances were not read. */
  plan: PlannedChange[] | null
  errors: Array<{account: string; error: ErrorInfo}>
  /** The instances as read (empty when not read): `up` goes on from them without reading again. */
  instances: FleetInstances
}

/**
 * Reads every account's instance (unless `offline`) and plans the changes
 * that bring the fleet to architecture `archId`. `arch show` prints it; `up`
 * prints it, asks, then applies it.
 */
export async function planArchitecture(
  profile: Profile,
  deps: {aws: () => Promise<AwsProvider>; concurrency: number},
  options: {archId: string; offline?: boolean; command?: string},
): Promise<ArchPlan> {
  requireSection(profile, 'architectures', options.command ?? 'fleet arch show')
  const architecture = architectureView(profile, options.archId)
  const desired = desiredState(profile, options.archId)
  if (options.offline) return {profile: profile.name, architecture, desired, plan: null, errors: [], instances: new Map()}
  // The profile is checked before AWS is opened: a bad id is said before any key is asked for.
  const instances = await readInstances(profile, {provider: await deps.aws(), concurrency: deps.concurrency})
  const plan = planChanges(desired, new Map([...instances].map(([name, r]) => [name, r.instance])))
  const errors = [...instances].flatMap(([account, r]) => (r.error ? [{account, error: r.error}] : []))
  return {profile: profile.name, architecture, desired, plan, errors, instances}
}
