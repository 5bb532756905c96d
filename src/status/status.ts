import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, toErrorInfo} from '../errors.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import {fanOut} from '../util/fan-out.js'
import {type FreeTier, freeTierOf, type Ledger, observe, prune} from '../cost/free-tier-ledger.js'
import {accountLabel, type InstanceView, matchesSelector, pickFleetInstance, viewOf} from '../fleet/instances.js'
import {type CostlyExtra, costlyExtras} from '../cost/extras.js'

export interface AccountStatus {
  name: string
  accountId: string
  region: string
  ok: boolean
  error: ErrorInfo | null
  instance: InstanceView | null
  freeTier: FreeTier
  /** Things that cost money outside the fleet. */
  extras: CostlyExtra[]
}

export interface StatusResult {
  profile: string
  arch: string | null
  accounts: AccountStatus[]
}

export interface StatusDeps {
  provider: AwsProvider
  state: StateStore
  concurrency: number
  now?: () => Date
  onAccountDone?: (name: string) => void
}

type Ledgers = Record<string, Ledger>

/** `fleet status`: every account in parallel, each with its own outcome. */
export async function fleetStatus(profile: Profile, deps: StatusDeps): Promise<StatusResult> {
  const now = (deps.now ?? (() => new Date()))()
  const [arch, ledgers] = await Promise.all([lastAppliedArch(deps.state), deps.state.read<Ledgers>('usage')])
  const nextLedgers: Ledgers = {...ledgers}
  deps.provider.preload('ec2')
  const outcomes = await fanOut(profile.accounts, deps.concurrency, async (account) => {
    try {
      const seen = await inspectAccount(deps.provider, account)
      const ledger = prune(observe(ledgers?.[account.name] ?? {}, seen.all, now), now)
      nextLedgers[account.name] = ledger
      return {...seen, freeTier: freeTierOf(account.freePlan, ledger, profile.data.freeTypes, now)}
    } finally {
      deps.onAccountDone?.(account.name)
    }
  })
  await deps.state.write('usage', nextLedgers)
  const accounts = profile.accounts.map((account, i): AccountStatus => {
    const base = {name: account.name, accountId: account.accountId, region: account.region}
    const outcome = outcomes[i]!
    if (outcome.ok) {
      const {instance, extras, freeTier, problem} = outcome.value
      return {...base, ok: problem === null, error: problem, instance, freeTier, extras}
    }
    // AWS did not answer now, but the sessions seen before still count.
    const freeTier = freeTierOf(account.freePlan, ledgers?.[account.name] ?? {}, profile.data.freeTypes, now)
    return {...base, ok: false, error: outcome.error, instance: null, freeTier, extras: []}
  })
  return {profile: profile.name, arch, accounts}
}

async function inspectAccount(provider: AwsProvider, account: ResolvedAccount) {
  const aws = await provider.forAccount(account)
  const ec2 = await aws.ec2()
  const [all, addresses] = await Promise.all([ec2.describeInstances(), ec2.describeAddresses()])
  let instance: InstanceView | null = null
  let problem: ErrorInfo | null = null
  try {
    instance = viewOf(pickFleetInstance(all, account.instance, accountLabel(account)))
  } catch (error) {
    // Still report what the account costs: the extras do not depend on it.
    problem = toErrorInfo(error)
  }
  // Instances the selector matches are the fleet's, even when it matches several.
  const extras = costlyExtras(all, addresses, (i) => matchesSelector(i, account.instance))
  return {all, instance, problem, extras}
}
