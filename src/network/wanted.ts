import type {Instance} from '@aws-sdk/client-ec2'
import type {DBInstance} from '@aws-sdk/client-rds'

import type {ResolvedAccount} from '../profile/load.js'
import {hostCidr, type WantedRule} from './rules.js'

/**
 * The rules one security group should hold for a profile. `groupId` is null
 * when no group could be chosen (followIps then reports the account as failed).
 */
export interface GroupWanted {
  account: ResolvedAccount
  groupId: string | null
  rules: WantedRule[]
  /** Things the user should know about this group (e.g. it is not attached to the instance). */
  warnings: string[]
}

/** An app server as the caller sees it; `ports: []` withdraws fleet's rules from its group. */
export interface AppServer {
  account: ResolvedAccount
  instance: Instance
  ports: number[]
}

/** The RDS instance whose group admits the app servers while it is public. */
export interface DbTarget {
  /** `rds.account` */
  account: ResolvedAccount
  instance: DBInstance
  /** Whether to admit the apps; default the instance's PubliclyAccessible. False withdraws fleet's rules. */
  public?: boolean
}

/** The group fleet adds its rules to: `accounts.X.securityGroup` if set, else the instance's first group. */
export function groupOf(account: ResolvedAccount, instance: Instance): string | null {
  // The primary interface's groups are the instance's groups on AWS; moto fills only the interface's.
  const primary = instance.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0) ?? instance.NetworkInterfaces?.[0]
  return account.securityGroup ?? instance.SecurityGroups?.[0]?.GroupId ?? primary?.Groups?.[0]?.GroupId ?? null
}

/** Each app's group admits the LB's address (`lbIp`: public or private, as nginx.address says) on the app's ports. */
export function appRulesFor(lbIp: string, apps: readonly AppServer[]): GroupWanted[] {
  const cidr = hostCidr(lbIp)
  return mergeWanted(
    apps.map((app) => ({
      account: app.account,
      groupId: groupOf(app.account, app.instance),
      rules: app.ports.map((port) => ({cidr, port})),
      warnings: detachedWarning(app.account, app.instance),
    })),
  )
}

/** The DB's group fleet adds its rules to: its first active VPC security group (else its first). */
export function dbGroupOf(instance: DBInstance): string | null {
  const groups = instance.VpcSecurityGroups ?? []
  return (groups.find((g) => g.Status === 'active') ?? groups[0])?.VpcSecurityGroupId ?? null
}

/**
 * The DB's group admits every app server's public IP on the DB port while
 * the DB is public. The group is the DB instance's own (its first active VPC
 * security group); `accounts.X.securityGroup` is about EC2 and does not apply.
 * Apps without ports (not in the architecture) or without a public IP are left out.
 */
export function dbRulesFor(db: DbTarget, apps: readonly AppServer[]): GroupWanted[] {
  const groupId = dbGroupOf(db.instance)
  const port = db.instance.Endpoint?.Port ?? db.instance.DbInstancePort
  const open = db.public ?? db.instance.PubliclyAccessible ?? false
  const ips = open ? apps.filter((a) => a.ports.length > 0).map((a) => a.instance.PublicIpAddress) : []
  const rules = port ? ips.filter((ip): ip is string => Boolean(ip)).map((ip) => ({cidr: hostCidr(ip), port})) : []
  const warnings = open && !port ? [`DB ${db.instance.DBInstanceIdentifier ?? '?'} reports no port: no rule added for it.`] : []
  return [{account: db.account, groupId, rules, warnings}]
}

/**
 * Everything the profile wants, merged by group. Pass the whole picture on
 * every call: in each group it names, followIps revokes the profile's marked
 * rules that this does not list. With `lbIp` null (the LB has no address),
 * app groups are left out rather than emptied.
 */
export function wantedIngress(input: {lbIp: string | null; apps: readonly AppServer[]; db?: DbTarget | null}): GroupWanted[] {
  const app = input.lbIp === null ? [] : appRulesFor(input.lbIp, input.apps)
  const db = input.db ? dbRulesFor(input.db, input.apps) : []
  return mergeWanted(app, db)
}

/** Unites lists of groups: one entry per account and group, rules and warnings deduplicated. */
export function mergeWanted(...lists: ReadonlyArray<readonly GroupWanted[]>): GroupWanted[] {
  const merged = new Map<string, GroupWanted>()
  for (const g of lists.flat()) {
    const key = `${g.account.name}\u0000${g.groupId ?? ''}`
    const seen = merged.get(key)
    if (!seen) {
      merged.set(key, {...g, rules: unique(g.rules), warnings: [...new Set(g.warnings)]})
      continue
    }
    seen.rules = unique([...seen.rules, ...g.rules])
    seen.warnings = [...new Set([...seen.warnings, ...g.warnings])]
  }
  return [...merged.values()]
}

function unique(rules: readonly WantedRule[]): WantedRule[] {
  const byKey = new Map(rules.map((r) => [`${r.port} ${r.cidr}`, r]))
  return [...byKey.values()]
}

function detachedWarning(account: ResolvedAccount, instance: Instance): string[] {
  const attached = (instance.SecurityGroups ?? []).map((g) => g.GroupId)
  if (!account.securityGroup || attached.length === 0 || attached.includes(account.securityGroup)) return []
  return [
    `accounts.${account.name}.securityGroup ${account.securityGroup} is not attached to instance ${instance.InstanceId ?? '?'} ` +
      `(it has ${attached.join(', ')}): its rules do not reach the instance, and fleet never changes an instance's groups.`,
  ]
}
