import type {DBInstance} from '@aws-sdk/client-rds'

import type {AwsProvider} from '../aws/provider.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'

/** The profile's RDS instance as read now; null when the profile has no `rds` or the instance does not exist. */
export async function readDb(profile: Profile, provider: Pick<AwsProvider, 'forAccount'>): Promise<{account: ResolvedAccount; instance: DBInstance} | null> {
  const rds = profile.data.rds
  if (!rds) return null
  const account = profile.account(rds.account)
  const instance = await (await (await provider.forAccount(account)).rds()).describeDbInstance(rds.instance)
  return instance ? {account, instance} : null
}
