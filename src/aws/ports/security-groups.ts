import type {EC2Client, SecurityGroupRule} from '@aws-sdk/client-ec2'

import {ExternalError} from '../../errors.js'
import {type ClientContext, callerFor, clientConfig, errorName} from './call.js'

/*
 * The narrow port over the security-group calls fleet makes. Only ingress
 * rules, only IPv4 CIDRs on TCP ports are ever added; nothing here can
 * change which groups an instance has.
 */

/** One ingress rule as DescribeSecurityGroupRules reports it (AWS and moto alike). */
export interface IngressRule {
  /** `sgr-...` */
  id: string
  groupId: string
  /** `tcp`, `udp`, `icmp`, `-1` (all)... */
  protocol: string
  /** -1 when the protocol has no ports. */
  fromPort: number
  toPort: number
  /** The IPv4 source; null for IPv6, a referenced group or a prefix list. */
  cidr: string | null
  /** What the rule's other source is, when it is not an IPv4 CIDR (for display). */
  otherSource: string | null
  description: string | null
}

/** A TCP rule on one port from one IPv4 CIDR, with its description. */
export interface IngressPermission {
  cidr: string
  port: number
  description: string
}

export interface SecurityGroupPort {
  /** The group's ingress rules; a group that does not exist is an ExternalError `SecurityGroupNotFound`. */
  ingressRules(groupId: string): Promise<IngressRule[]>
  /** Adds the rules in one call; a rule that already exists (a race) counts as added. */
  authorizeIngress(groupId: string, permissions: IngressPermission[]): Promise<void>
  /** Removes rules by id, so that no other rule can match; one already gone counts as removed. */
  revokeIngress(groupId: string, ruleIds: string[]): Promise<void>
}

type Ec2 = typeof import('../sdk/ec2.js')

export async function createSecurityGroupPort(ctx: ClientContext): Promise<SecurityGroupPort> {
  const ec2 = await import('../sdk/ec2.js')
  const client = new ec2.EC2Client(clientConfig(ctx))
  const call = callerFor(ctx)
  return {
    ingressRules: (groupId) =>
      call('ec2:DescribeSecurityGroupRules', async () => {
        const rules = await describeRules(ec2, client, groupId)
        // A filter on a group that does not exist answers with no rules; a
        // real group nearly always has its egress rule, so check only then.
        if (rules.length === 0) await assertGroupExists(ec2, client, groupId, ctx)
        return rules.filter((r) => !r.IsEgress).map((r) => toIngressRule(r, groupId))
      }),
    authorizeIngress: (groupId, permissions) =>
      call('ec2:AuthorizeSecurityGroupIngress', () => authorize(ec2, client, groupId, permissions)),
    revokeIngress: (groupId, ruleIds) =>
      call('ec2:RevokeSecurityGroupIngress', () => revoke(ec2, client, groupId, ruleIds)),
  }
}

async function describeRules(ec2: Ec2, client: EC2Client, groupId: string) {
  const input = {Filters: [{Name: 'group-id', Values: [groupId]}]}
  const rules = []
  for await (const page of ec2.paginateDescribeSecurityGroupRules({client}, input)) rules.push(...(page.SecurityGroupRules ?? []))
  return rules
}

async function assertGroupExists(ec2: Ec2, client: EC2Client, groupId: string, ctx: ClientContext): Promise<void> {
  try {
    await client.send(new ec2.DescribeSecurityGroupsCommand({GroupIds: [groupId]}))
  } catch (error) {
    if (errorName(error) !== 'InvalidGroup.NotFound') throw error
    throw new ExternalError(
      'SecurityGroupNotFound',
      `account ${ctx.account} (${ctx.accountId}, ${ctx.region}): security group ${groupId} does not exist.`,
      {cause: error, nextSteps: [`If the profile sets accounts.${ctx.account}.securityGroup, check that it names a group of this account and region.`]},
    )
  }
}

function toIngressRule(r: SecurityGroupRule, groupId: string): IngressRule {
  const other = r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId ?? r.PrefixListId ?? null
  return {
    id: r.SecurityGroupRuleId ?? '',
    groupId: r.GroupId ?? groupId,
    protocol: r.IpProtocol ?? '-1',
    fromPort: r.FromPort ?? -1,
    toPort: r.ToPort ?? -1,
    // moto has reported an IPv6 rule with an empty CidrIpv4: treat '' as none.
    cidr: r.CidrIpv4 || null,
    otherSource: r.CidrIpv4 ? null : other,
    description: r.Description ?? null,
  }
}

function permissionOf(p: IngressPermission) {
  return {IpProtocol: 'tcp', FromPort: p.port, ToPort: p.port, IpRanges: [{CidrIp: p.cidr, Description: p.description}]}
}

async function authorize(ec2: Ec2, client: EC2Client, groupId: string, permissions: IngressPermission[]): Promise<void> {
  if (permissions.length === 0) return
  try {
    await client.send(new ec2.AuthorizeSecurityGroupIngressCommand({GroupId: groupId, IpPermissions: permissions.map(permissionOf)}))
  } catch (error) {
    // The call is all or nothing: when some rule appeared meanwhile, add the rest one by one.
    if (errorName(error) !== 'InvalidPermission.Duplicate') throw error
    if (permissions.length === 1) return
    for (const p of permissions) await authorize(ec2, client, groupId, [p])
  }
}

const goneRule = new Set(['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound'])

async function revoke(ec2: Ec2, client: EC2Client, groupId: string, ruleIds: string[]): Promise<void> {
  if (ruleIds.length === 0) return
  try {
    await client.send(new ec2.RevokeSecurityGroupIngressCommand({GroupId: groupId, SecurityGroupRuleIds: ruleIds}))
  } catch (error) {
    if (!goneRule.has(errorName(error))) throw error
    if (ruleIds.length === 1) return
    // Someone removed one of them meanwhile: remove the others one by one.
    for (const id of ruleIds) await revoke(ec2, client, groupId, [id])
  }
}
