import type {Profile, ResolvedAccount} from '../profile/load.js'

/**
 * The FleetOperator role: who may assume it (trust policy) and the least it
 * must be allowed (permission policy), per account. The action lists below
 * are the single source for `fleet iam policy` and for `fleet doctor`'s
 * permission check.
 */

/** Read-only calls, which AWS cannot scope to a resource. */
export const READ_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstanceCreditSpecifications',
  'ec2:DescribeAddresses',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSecurityGroupRules',
  'ec2:DescribeInternetGateways',
  'rds:DescribeDBInstances',
  'ce:GetCostAndUsage',
  'cloudwatch:GetMetricData',
] as const

/** Changes to the fleet instance itself: start, stop, resize, auto-stop tag. */
export const INSTANCE_ACTIONS = [
  'ec2:StartInstances',
  'ec2:StopInstances',
  'ec2:ModifyInstanceAttribute',
  'ec2:CreateTags',
  'ec2:DeleteTags',
] as const

/** Security-group rules that follow the IPs (marked `fleet:<profile>`). */
export const SECURITY_GROUP_ACTIONS = [
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupIngress',
] as const

export const RDS_ACTIONS = ['rds:ModifyDBInstance'] as const

/** Lets `fleet doctor` name missing permissions without trying them. */
export const SELF_CHECK_ACTIONS = ['iam:SimulatePrincipalPolicy'] as const

export function allActions(): string[] {
  return [...READ_ACTIONS, ...INSTANCE_ACTIONS, ...SECURITY_GROUP_ACTIONS, ...RDS_ACTIONS, ...SELF_CHECK_ACTIONS]
}

interface Statement {
  Sid: string
  Effect: 'Allow'
  Action: string | string[]
  Resource?: string | string[]
  Principal?: Record<string, string>
  Condition?: Record<string, Record<string, string | boolean>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: Statement[]
}

export interface AccountPolicies {
  account: string
  accountId: string
  roleName: string
  trustPolicy: PolicyDocument
  permissionPolicy: PolicyDocument
}

function partitionOf(arn: string): string {
  return arn.split(':')[1] ?? 'aws'
}

/** Who may assume the role: the hub principal, with ExternalId and MFA where the profile uses them. */
export function trustPolicy(account: ResolvedAccount, hubPrincipal: string, mfa: boolean): PolicyDocument {
  const condition: Statement['Condition'] = {}
  if (account.externalId) condition.StringEquals = {'sts:ExternalId': account.externalId}
  if (mfa) condition.Bool = {'aws:MultiFactorAuthPresent': true}
  const statement: Statement = {Sid: 'FleetHub', Effect: 'Allow', Principal: {AWS: hubPrincipal}, Action: 'sts:AssumeRole'}
  if (Object.keys(condition).length > 0) statement.Condition = condition
  return {Version: '2012-10-17', Statement: [statement]}
}

/** The least the role needs in one account, scoped to the fleet instance and its DB. */
export function permissionPolicy(profile: Profile, account: ResolvedAccount): PolicyDocument {
  const p = partitionOf(account.roleArn)
  const base = `arn:${p}:ec2:${account.region}:${account.accountId}`
  const sel = account.instance
  const instance: Statement =
    'id' in sel
      ? {Sid: 'FleetInstance', Effect: 'Allow', Action: [...INSTANCE_ACTIONS], Resource: `${base}:instance/${sel.id}`}
      : {
          Sid: 'FleetInstance',
          Effect: 'Allow',
          Action: [...INSTANCE_ACTIONS],
          Resource: `${base}:instance/*`,
          Condition: {StringEquals: Object.fromEntries(Object.entries(sel.tag as Record<string, string>).map(([k, v]) => [`aws:ResourceTag/${k}`, v]))},
        }
  // The DB's rules go in the DB instance's own group, which the profile does not name.
  const hasDb = profile.data.rds?.account === account.name
  const groups = account.securityGroup && !hasDb ? `${base}:security-group/${account.securityGroup}` : `${base}:security-group/*`
  const statements: Statement[] = [
    {Sid: 'FleetRead', Effect: 'Allow', Action: [...READ_ACTIONS], Resource: '*'},
    instance,
    {Sid: 'FleetSecurityGroupRules', Effect: 'Allow', Action: [...SECURITY_GROUP_ACTIONS], Resource: groups},
    {Sid: 'FleetSelfCheck', Effect: 'Allow', Action: [...SELF_CHECK_ACTIONS], Resource: account.roleArn},
  ]
  const rds = profile.data.rds
  if (rds && rds.account === account.name) {
    statements.push({
      Sid: 'FleetRdsPublicAccess',
      Effect: 'Allow',
      Action: [...RDS_ACTIONS],
      Resource: `arn:${p}:rds:${account.region}:${account.accountId}:db:${rds.instance}`,
    })
  }
  return {Version: '2012-10-17', Statement: statements}
}

export function roleName(account: ResolvedAccount): string {
  return account.roleArn.split('/').pop() ?? 'FleetOperator'
}

export function policiesFor(profile: Profile, hubPrincipal: string): AccountPolicies[] {
  const mfa = Boolean(profile.data.hub.mfaSerial)
  return profile.accounts.map((account) => ({
    account: account.name,
    accountId: account.accountId,
    roleName: roleName(account),
    trustPolicy: trustPolicy(account, hubPrincipal, mfa),
    permissionPolicy: permissionPolicy(profile, account),
  }))
}

/**
 * The principal to trust, from the hub's caller identity. An assumed-role
 * ARN (SSO) hides the role's path, so the hub account's root is trusted
 * instead and IAM in the hub decides who may use it.
 */
export function principalFromCallerArn(arn: string): {principal: string; note: string | null} {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\//.exec(arn)
  if (!m) return {principal: arn, note: null}
  return {
    principal: `arn:${m[1]}:iam::${m[2]}:root`,
    note: 'The hub is an assumed role (SSO?): trusting its account root; pass --hub-principal to narrow it.',
  }
}
