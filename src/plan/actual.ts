import type {AwsProvider} from '../aws/provider.js'
import type {ErrorInfo} from '../errors.js'
import type {Profile} from '../profile/load.js'
import {pickFleetInstance} from '../status/instances.js'
import {fanOut} from '../util/fan-out.js'
import type {ActualInstance} from './plan.js'

export interface ActualFleet {
  /** Each account's fleet instance; null where it was not found or the account failed. */
  instances: Map<string, ActualInstance | null>
  errors: Array<{account: string; error: ErrorInfo}>
}

/** Reads every account's fleet instance as it is now, in parallel. */
export async function readActual(profile: Profile, provider: AwsProvider, concurrency: number): Promise<ActualFleet> {
  const outcomes = await fanOut(profile.accounts, concurrency, async (account) => {
    const ec2 = await (await provider.forAccount(account)).ec2()
    const where = `account ${account.name} (${account.accountId}, ${account.region})`
    const i = pickFleetInstance(await ec2.describeInstances(), account.instance, where)
    return {state: i.State?.Name ?? 'unknown', type: i.InstanceType ?? 'unknown'}
  })
  if (provider.hubFailure()) throw provider.hubFailure()
  const instances = new Map<string, ActualInstance | null>()
  const errors: ActualFleet['errors'] = []
  for (const [i, account] of profile.accounts.entries()) {
    const o = outcomes[i]!
    instances.set(account.name, o.ok ? o.value : null)
    if (!o.ok) errors.push({account: account.name, error: o.error})
  }
  return {instances, errors}
}
