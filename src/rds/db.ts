import type {DBInstance} from '@aws-sdk/client-rds'

import type {AwsProvider} from '../aws/provider.js'
import {ExternalError} from '../errors.js'
import {accountLabel} from '../fleet/instances.js'
import {type Profile, requireSection, type ResolvedAccount} from '../profile/load.js'
import type {RdsConfig} from '../profile/schema.js'

/** The profile's RDS instance as read now; null when the profile has no `rds` or the instance does not exist. */
export async function readDb(profile: Profile, provider: Pick<AwsProvider, 'forAccount'>): Promise<{account: ResolvedAccount; instance: DBInstance} | null> {
  const rds = profile.data.rds
  if (!rds) return null
  const account = profile.account(rds.account)
  const instance = await (await (await provider.forAccount(account)).rds()).describeDbInstance(rds.instance)
  return instance ? {account, instance} : null
}

/** The profile's DB for a command that needs it: no `rds` section is a usage error, no such DB instance an external one. */
export async function requireDb(
  profile: Profile,
  provider: Pick<AwsProvider, 'forAccount'>,
  command: string,
): Promise<{rds: RdsConfig; account: ResolvedAccount; instance: DBInstance}> {
  const rds = requireSection(profile, 'rds', command)
  const found = await readDb(profile, provider)
  if (found) return {rds, ...found}
  const account = profile.account(rds.account)
  throw new ExternalError('DbNotFound', `rds.instance \`${rds.instance}\` does not exist in ${accountLabel(account)}: no DB instance has that identifier there.`, {
    nextSteps: [
      `Check rds.instance and rds.account in ${profile.file} (the identifier is the DB's name in the RDS console, e.g. parking-db).`,
      `Check the region: accounts.${account.name}.region or the profile's region (${account.region} now).`,
    ],
  })
}

/** The DB's endpoint address and port (null while it has none, e.g. being created). */
export function endpointOf(instance: DBInstance): {endpoint: string | null; port: number | null} {
  return {endpoint: instance.Endpoint?.Address ?? null, port: instance.Endpoint?.Port ?? (instance.DbInstancePort || null)}
}
