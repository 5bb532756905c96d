import type {Instance} from '@aws-sdk/client-ec2'

import type {AwsProvider} from '../aws/provider.js'
import type {ErrorInfo} from '../errors.js'
import type {Profile} from '../profile/load.js'
import {type InstanceView, pickFleetInstance, viewOf} from '../status/instances.js'
import {fanOut} from '../util/fan-out.js'

/** The instance as fleet reports it, and as the SDK gave it (for its security groups). */
export type InstanceRead = {instance: InstanceView; raw: Instance; error: null} | {instance: null; raw: null; error: ErrorInfo}

/**
 * Each named account's fleet instance as it is now, read in parallel; an
 * account that fails gets its error. A hub failure (no key, no MFA code) is
 * the same for all and is thrown once.
 */
export async function readInstances(
  profile: Profile,
  provider: AwsProvider,
  names: readonly string[],
  concurrency: number,
): Promise<Map<string, InstanceRead>> {
  const accounts = names.map((n) => profile.account(n))
  const outcomes = await fanOut(accounts, concurrency, async (account) => {
    const ec2 = await (await provider.forAccount(account)).ec2()
    const where = `account ${account.name} (${account.accountId}, ${account.region})`
    return pickFleetInstance(await ec2.describeInstances(), account.instance, where)
  })
  if (provider.hubFailure()) throw provider.hubFailure()
  return new Map(
    accounts.map((a, i): [string, InstanceRead] => {
      const o = outcomes[i]!
      return [a.name, o.ok ? {instance: viewOf(o.value), raw: o.value, error: null} : {instance: null, raw: null, error: o.error}]
    }),
  )
}
