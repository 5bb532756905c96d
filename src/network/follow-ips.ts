import createDebug from 'debug'

import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExternalError} from '../errors.js'
import type {ResolvedAccount} from '../profile/load.js'
import {fanOut} from '../util/fan-out.js'
import {describeRule, describeWanted, markFor, planRules} from './rules.js'
import type {GroupWanted} from './wanted.js'

const debug = createDebug('fleet:network')

export interface FollowIpsDeps {
  provider: AwsProvider
  /** The mark on fleet's rules is `fleet:<profileName>`. */
  profileName: string
  /** Accounts in flight at once. */
  concurrency: number
  /** Read the groups and report what would change, without changing anything. */
  dryRun?: boolean
}

/** One group's outcome; rules read like `tcp/8080 from 1.2.3.4/32`. */
export interface GroupOutcome {
  groupId: string
  /** Added (or, in a dry run, to add). */
  authorized: string[]
  /** Removed (or, in a dry run, to remove): only rules marked `fleet:<profile>`. */
  revoked: string[]
  /** How many ingress rules were left as they were. */
  untouched: number
}

/** One account's outcome. `authorized`/`revoked` list what was done even when a later step failed. */
export interface FollowIpsResult {
  account: string
  ok: boolean
  error: ErrorInfo | null
  dryRun: boolean
  /** Every group's changes, as `sg-... tcp/8080 from 1.2.3.4/32`. */
  authorized: string[]
  revoked: string[]
  groups: GroupOutcome[]
  warnings: string[]
}

/**
 * Makes each named group hold, among the rules marked `fleet:<profile>`,
 * exactly the wanted ones: per group it adds the missing rules first and only
 * then removes the stale marked ones, so the admitted address never has a gap.
 * Rules without the mark are never touched, nor which groups an instance has.
 * Accounts are worked in parallel, each with its own outcome, in the order
 * they first appear in `wanted`; the groups of one account are worked in turn.
 */
export async function followIps(deps: FollowIpsDeps, wanted: readonly GroupWanted[]): Promise<FollowIpsResult[]> {
  const byAccount = new Map<string, {account: ResolvedAccount; groups: GroupWanted[]}>()
  for (const g of wanted) {
    const entry = byAccount.get(g.account.name) ?? {account: g.account, groups: []}
    entry.groups.push(g)
    byAccount.set(g.account.name, entry)
  }
  const items = [...byAccount.values()]
  const results = items.map(({account, groups}) => emptyResult(account.name, groups, deps.dryRun ?? false))
  const outcomes = await fanOut(items, deps.concurrency, async ({account, groups}, i) => {
    for (const group of groups) await followGroup(deps, account, group, results[i]!)
  })
  return results.map((result, i) => {
    const outcome = outcomes[i]!
    return outcome.ok ? result : {...result, ok: false, error: outcome.error}
  })
}

function emptyResult(account: string, groups: GroupWanted[], dryRun: boolean): FollowIpsResult {
  const warnings = [...new Set(groups.flatMap((g) => g.warnings))]
  return {account, ok: true, error: null, dryRun, authorized: [], revoked: [], groups: [], warnings}
}

async function followGroup(deps: FollowIpsDeps, account: ResolvedAccount, group: GroupWanted, result: FollowIpsResult): Promise<void> {
  if (group.groupId === null) {
    throw new ExternalError(
      'NoSecurityGroup',
      `account ${account.name}: no security group to add fleet's rules to: the instance has none and accounts.${account.name}.securityGroup is not set.`,
      {nextSteps: [`Set accounts.${account.name}.securityGroup in the profile to the group that guards the instance.`]},
    )
  }
  const groupId = group.groupId
  const sg = await (await deps.provider.forAccount(account)).sg()
  const mark = markFor(deps.profileName)
  const plan = planRules(await sg.ingressRules(groupId), group.rules, mark)
  const outcome: GroupOutcome = {groupId, authorized: [], revoked: [], untouched: plan.untouched.length}
  result.groups.push(outcome)
  debug('%s %s: +%d -%d =%d%s', account.name, groupId, plan.authorize.length, plan.revoke.length, plan.untouched.length, deps.dryRun ? ' (dry run)' : '')
  const added = plan.authorize.map(describeWanted)
  const removed = plan.revoke.map(describeRule)
  if (!deps.dryRun && plan.authorize.length > 0) {
    await sg.authorizeIngress(groupId, plan.authorize.map((r) => ({...r, description: mark})))
  }
  outcome.authorized = added
  result.authorized.push(...added.map((r) => `${groupId} ${r}`))
  // Only once the new rules are in: a stale rule may be all that admits the LB until then.
  if (!deps.dryRun && plan.revoke.length > 0) {
    await sg.revokeIngress(groupId, plan.revoke.map((r) => r.id))
  }
  outcome.revoked = removed
  result.revoked.push(...removed.map((r) => `${groupId} ${r}`))
}
