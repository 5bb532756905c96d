import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo} from '../errors.js'
import type {Profile} from '../profile/load.js'
import {readDb} from '../rds/db.js'
import {costlyExtras} from './extras.js'
import {fanOut} from '../util/fan-out.js'
import {hourlyPriceUsd} from './ec2-prices.js'
import {PUBLIC_IPV4_HOURLY_USD} from './ipv4.js'

/** Something that still costs money after `fleet down`. */
export interface StillCosting {
  account: string
  kind: 'running-instance' | 'idle-elastic-ip' | 'rds-instance' | 'rds-public-ipv4'
  id: string
  detail: string
  /** On-demand hourly price where fleet knows it. */
  hourlyUsd: number | null
}

/**
 * What still costs money in the profile's accounts (spec section 4, `down`):
 * running instances (kept ones, and any outside the fleet), Elastic IPs not
 * on a running instance, the RDS instance while it runs (its class), and its
 * public IPv4 while public access is on. Accounts that cannot be read are
 * returned as errors: "nothing left" is never claimed for them.
 */
export async function stillCosting(
  profile: Profile,
  deps: {provider: AwsProvider; concurrency: number},
): Promise<{items: StillCosting[]; errors: Array<{account: string; error: ErrorInfo}>}> {
  const outcomes = await fanOut(profile.accounts, deps.concurrency, async (account) => {
    const ec2 = await (await deps.provider.forAccount(account)).ec2()
    const [instances, addresses] = await Promise.all([ec2.describeInstances(), ec2.describeAddresses()])
    const running = instances.filter((i) => i.State?.Name === 'running' || i.State?.Name === 'pending')
    const items: StillCosting[] = running.map((i) => ({
      account: account.name,
      kind: 'running-instance',
      id: i.InstanceId ?? '?',
      detail: `${i.InstanceType ?? '?'} ${i.InstanceId} is ${i.State?.Name}`,
      hourlyUsd: hourlyPriceUsd(account.region, i.InstanceType ?? ''),
    }))
    for (const extra of costlyExtras(instances, addresses, () => true)) {
      items.push({account: account.name, kind: 'idle-elastic-ip', id: extra.id, detail: extra.detail, hourlyUsd: extra.hourlyUsd})
    }
    return items
  })
  const items = outcomes.flatMap((o) => (o.ok ? o.value : []))
  const errors = outcomes.flatMap((o, i) => (o.ok ? [] : [{account: profile.accounts[i]!.name, error: o.error}]))
  try {
    items.push(...(await dbCosts(profile, deps.provider)))
  } catch (error) {
    errors.push({account: profile.data.rds!.account, error: {code: 'Unexpected', message: (error as Error).message}})
  }
  return {items, errors}
}

async function dbCosts(profile: Profile, provider: AwsProvider): Promise<StillCosting[]> {
  const db = await readDb(profile, provider)
  if (!db) return []
  const {instance} = db
  const id = instance.DBInstanceIdentifier ?? profile.data.rds!.instance
  const items: StillCosting[] = []
  if (instance.DBInstanceStatus !== 'stopped') {
    items.push({account: db.account.name, kind: 'rds-instance', id, detail: `RDS ${instance.DBInstanceClass ?? '?'} ${id} is ${instance.DBInstanceStatus ?? '?'} (billed by the hour beyond the free tier)`, hourlyUsd: null})
  }
  if (instance.PubliclyAccessible) {
    items.push({account: db.account.name, kind: 'rds-public-ipv4', id, detail: `RDS ${id} has public access on: its public IPv4 is billed by the hour`, hourlyUsd: PUBLIC_IPV4_HOURLY_USD})
  }
  return items
}
