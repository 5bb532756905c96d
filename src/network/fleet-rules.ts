import type {DBInstance} from '@aws-sdk/client-rds'

import type {AwsProvider} from '../aws/provider.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {followIps, type FollowIpsResult} from './follow-ips.js'
import {type AppServer, wantedIngress} from './wanted.js'

export interface FleetRulesInput {
  /** Every account as the caller read it. */
  instances: FleetInstances
  /** The app ports of each app server of the architecture; an account not named here is not an app server now (fleet's rules go). */
  ports: ReadonlyMap<string, readonly number[]>
  /** The LB's address as nginx.address says; null leaves the app groups alone. */
  lbIp: string | null
  /**
   * The DB whose group admits the app servers' public IPs while `public`
   * (false withdraws fleet's DB rules); null leaves the DB's group alone.
   */
  db: {account: ResolvedAccount; instance: DBInstance; public: boolean} | null
}

/**
 * Security groups follow the IPs (spec section 4): each app server's group
 * admits the LB's address on the app ports, and, while RDS is public, the
 * DB's group admits the app servers' public IPs. The whole picture is always
 * passed, since followIps revokes any marked rule the picture lacks. The
 * caller reads the instances and the DB once; nothing is read again here.
 */
export async function syncFleetRules(
  profile: Profile,
  deps: {provider: AwsProvider; concurrency: number; dryRun: boolean},
  input: FleetRulesInput,
): Promise<FollowIpsResult[]> {
  const apps: AppServer[] = [...input.instances].flatMap(([name, read]) => {
    if (!read.raw) return []
    const running = read.instance.state === 'running'
    return [{account: profile.account(name), instance: read.raw, ports: running ? [...(input.ports.get(name) ?? [])] : []}]
  })
  // An instance with no group and nothing to admit has nothing to withdraw either.
  const wanted = wantedIngress({lbIp: input.lbIp, apps, db: input.db}).filter((g) => g.groupId !== null || g.rules.length > 0)
  return followIps({provider: deps.provider, profileName: profile.name, concurrency: deps.concurrency, dryRun: deps.dryRun}, wanted)
}
