import type {Instance} from '@aws-sdk/client-ec2'

import type {AwsProvider} from '../aws/provider.js'
import type {Profile} from '../profile/load.js'
import {followIps, type FollowIpsResult} from './follow-ips.js'
import {type AppServer, type DbTarget, wantedIngress} from './wanted.js'

export interface FleetRulesInput {
  /** The LB's address as nginx.address says; null leaves the app groups alone. */
  lbIp: string | null
  /** Every account read, with its ports in the architecture ([] = not an app server now: fleet's rules go). */
  apps: Array<{account: string; instance: Instance; ports: number[]}>
}

/**
 * Security groups follow the IPs (spec section 4): each app server's group
 * admits the LB's address on the app ports, and, while RDS is public, the
 * DB's group admits the app servers' public IPs. The whole picture is always
 * passed, since followIps revokes any marked rule the picture lacks.
 */
export async function syncFleetRules(
  profile: Profile,
  deps: {provider: AwsProvider; concurrency: number; dryRun: boolean},
  input: FleetRulesInput,
): Promise<FollowIpsResult[]> {
  const apps: AppServer[] = input.apps.map((a) => ({account: profile.account(a.account), instance: a.instance, ports: a.ports}))
  const db = await dbTarget(profile, deps.provider)
  // An instance with no group and nothing to admit has nothing to withdraw either.
  const wanted = wantedIngress({lbIp: input.lbIp, apps, db}).filter((g) => g.groupId !== null || g.rules.length > 0)
  return followIps({provider: deps.provider, profileName: profile.name, concurrency: deps.concurrency, dryRun: deps.dryRun}, wanted)
}

async function dbTarget(profile: Profile, provider: AwsProvider): Promise<DbTarget | null> {
  const rds = profile.data.rds
  if (!rds) return null
  const account = profile.account(rds.account)
  const instance = await (await (await provider.forAccount(account)).rds()).describeDbInstance(rds.instance)
  return instance ? {account, instance} : null
}
