import type {Instance} from '@aws-sdk/client-ec2'

import type {AwsProvider} from '../aws/provider.js'
import type {ErrorInfo} from '../errors.js'
import type {Profile} from '../profile/load.js'
import {fanOut} from '../util/fan-out.js'
import {findFleetInstance, type InstanceView, viewOf} from './instances.js'

/** The instance as fleet reports it, and as the SDK gave it (for its security groups). */
export type InstanceRead = {instance: InstanceView; raw: Instance; error: null} | {instance: null; raw: null; error: ErrorInfo}

/** Every account's instance as read once by a command, by account name. */
export type FleetInstances = ReadonlyMap<string, InstanceRead>

/**
 * Each named account's fleet instance as it is now (default: every account
 * of the profile), read in parallel; an account that fails gets its error.
 */
export async function readInstances(
  profile: Profile,
  deps: {provider: Pick<AwsProvider, 'forAccount'>; concurrency: number},
  names: readonly string[] = profile.accounts.map((a) => a.name),
): Promise<Map<string, InstanceRead>> {
  const accounts = names.map((n) => profile.account(n))
  const outcomes = await fanOut(accounts, deps.concurrency, async (account) => {
    const ec2 = await (await deps.provider.forAccount(account)).ec2()
    return (await findFleetInstance(ec2, account)).instance
  })
  return new Map(
    accounts.map((a, i): [string, InstanceRead] => {
      const o = outcomes[i]!
      return [a.name, o.ok ? {instance: viewOf(o.value), raw: o.value, error: null} : {instance: null, raw: null, error: o.error}]
    }),
  )
}
