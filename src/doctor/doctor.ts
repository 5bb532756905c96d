import type {AccountAws, AwsProvider} from '../aws/provider.js'
import {toErrorInfo} from '../errors.js'
import {allActions} from '../iam/policy.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {findFleetInstance, type InstanceView, viewOf} from '../fleet/instances.js'
import type {Check} from './check.js'
import {remoteChecks} from './remote-checks.js'

export type {Check}
import {fanOut} from '../util/fan-out.js'

export interface AccountDoctor {
  name: string
  accountId: string
  region: string
  ok: boolean
  checks: Check[]
}

export interface DoctorResult {
  profile: string
  accounts: AccountDoctor[]
}

/**
 * `fleet doctor`, the AWS part: can each role be assumed, is it the right
 * account, is there exactly one instance, which permissions are missing, and
 * can the database be made public at all. A failed check does not stop the
 * ones after it unless they depend on it (no role, nothing else to check).
 */
export async function runDoctor(profile: Profile, deps: {provider: AwsProvider; concurrency: number}, options: {ssh: boolean} = {ssh: true}): Promise<DoctorResult> {
  const {provider} = deps
  const outcomes = await fanOut(profile.accounts, deps.concurrency, (account) => checkAccount(profile, provider, account, options.ssh))
  const accounts = profile.accounts.map((account, i): AccountDoctor => {
    const o = outcomes[i]!
    const checks = o.ok ? o.value : [{name: 'role' as const, ok: false, detail: o.error.message}]
    return {name: account.name, accountId: account.accountId, region: account.region, ok: checks.every((c) => c.ok !== false), checks}
  })
  return {profile: profile.name, accounts}
}

async function checkAccount(profile: Profile, provider: AwsProvider, account: ResolvedAccount, ssh: boolean): Promise<Check[]> {
  let aws: AccountAws
  try {
    aws = await provider.forAccount(account)
  } catch (error) {
    return [{name: 'role', ok: false, detail: toErrorInfo(error).message}]
  }
  const checks: Check[] = [{name: 'role', ok: true, detail: `assumed ${account.roleArn}`}]
  const instance = findInstance(aws, account)
  const results = await Promise.all([
    attempt('identity', () => checkIdentity(aws, account)),
    attempt('instance', async () => {
      const i = await instance
      return {ok: true, detail: `${i.id} (${i.type}, ${i.state})`}
    }),
    attempt('permissions', () => checkPermissions(aws)),
    profile.data.rds?.account === account.name ? attempt('rds-public-access', () => checkRds(aws, profile.data.rds!.instance)) : null,
  ])
  for (const r of results) if (r) checks.push(r)
  const found = await instance.catch(() => null)
  if (ssh && found) checks.push(...(await remoteChecks(profile, account, found)))
  return checks
}

async function attempt(name: Check['name'], run: () => Promise<Omit<Check, 'name'>>): Promise<Check> {
  try {
    return {name, ...(await run())}
  } catch (error) {
    return {name, ok: false, detail: toErrorInfo(error).message}
  }
}

async function checkIdentity(aws: AccountAws, account: ResolvedAccount) {
  const id = await (await aws.sts()).callerIdentity()
  return id.account === account.accountId
    ? {ok: true, detail: `acting as ${id.arn}`}
    : {ok: false, detail: `the role acts in account ${id.account}, but the profile says ${account.accountId}`}
}

async function findInstance(aws: AccountAws, account: ResolvedAccount): Promise<InstanceView> {
  return viewOf((await findFleetInstance(await aws.ec2(), account)).instance)
}

async function checkPermissions(aws: AccountAws) {
  try {
    const denied = await (await aws.iam()).deniedActions(aws.roleArn, allActions())
    return denied.length === 0
      ? {ok: true, detail: `all ${allActions().length} actions fleet uses are allowed`}
      : {ok: false, detail: `missing: ${denied.join(', ')} (see \`fleet iam policy\`)`}
  } catch (error) {
    // Without iam:SimulatePrincipalPolicy (or on an emulator without it) fleet cannot tell.
    return {ok: null, detail: `not checked: ${toErrorInfo(error).message}`}
  }
}

async function checkRds(aws: AccountAws, identifier: string) {
  const db = await (await aws.rds()).describeDbInstance(identifier)
  if (!db) return {ok: false, detail: `no DB instance "${identifier}" in this account and region`}
  const vpcId = db.DBSubnetGroup?.VpcId
  if (!vpcId) return {ok: null, detail: `${identifier} reports no VPC; cannot tell`}
  const gateways = await (await aws.ec2()).internetGatewaysOf(vpcId)
  return gateways.length > 0
    ? {ok: true, detail: `${identifier}'s VPC ${vpcId} has internet gateway ${gateways[0]!.InternetGatewayId}`}
    : {ok: false, detail: `${identifier}'s VPC ${vpcId} has no internet gateway: public access would not be reachable`}
}
