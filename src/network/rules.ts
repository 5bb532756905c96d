import {isIPv4} from 'node:net'

import type {IngressRule} from '../aws/ports/security-groups.js'
import {BugError} from '../errors.js'

/** A rule fleet wants in a group: TCP on `port` from `cidr` (an IPv4 /32 in practice). */
export interface WantedRule {
  cidr: string
  port: number
}

/** What it takes to make a group hold exactly the wanted rules among those marked as fleet's. */
export interface RulePlan {
  /** Wanted rules that no rule of the group already admits, in a stable order. */
  authorize: WantedRule[]
  /** Rules with the mark that nothing wanted matches. */
  revoke: IngressRule[]
  /** Every other ingress rule: fleet's that are still wanted, and all rules without the mark. */
  untouched: IngressRule[]
}

/** The description fleet puts on its rules, and the only rules it ever revokes. */
export function markFor(profileName: string): string {
  return `fleet:${profileName}`
}

/** `ip/32` for an IPv4 address (a CIDR is returned as it is). */
export function hostCidr(ip: string): string {
  const [address, bits] = ip.split('/')
  if (!address || !isIPv4(address) || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= 32))) {
    throw new BugError('BadAddress', `Not an IPv4 address: ${JSON.stringify(ip)}.`)
  }
  return bits === undefined ? `${address}/32` : ip
}

/**
 * Plans a group's rules. Only rules whose description is exactly `mark` may
 * be revoked; a wanted rule that any existing rule already states (same
 * protocol, port and CIDR, whatever its description) needs nothing, since
 * AWS refuses a second rule that differs only by description. Converged
 * input gives an empty plan.
 */
export function planRules(current: readonly IngressRule[], wanted: readonly WantedRule[], mark: string): RulePlan {
  const wantedKeys = new Map<string, WantedRule>()
  for (const w of wanted) {
    const rule = {cidr: hostCidr(w.cidr), port: w.port}
    wantedKeys.set(keyOf(rule), rule)
  }
  const present = new Set<string>()
  const revoke: IngressRule[] = []
  const untouched: IngressRule[] = []
  for (const rule of current) {
    const key = singleTcpKey(rule)
    if (key !== null) present.add(key)
    const ours = rule.description === mark
    if (ours && (key === null || !wantedKeys.has(key))) revoke.push(rule)
    else untouched.push(rule)
  }
  const authorize = [...wantedKeys.entries()].filter(([key]) => !present.has(key)).map(([, rule]) => rule)
  authorize.sort((a, b) => a.port - b.port || a.cidr.localeCompare(b.cidr))
  return {authorize, revoke, untouched}
}

/** True when the plan changes nothing. */
export function isConverged(plan: RulePlan): boolean {
  return plan.authorize.length === 0 && plan.revoke.length === 0
}

/** `tcp/8080 from 1.2.3.4/32`, for reports. */
export function describeWanted(rule: WantedRule): string {
  return `tcp/${rule.port} from ${rule.cidr}`
}

/** `tcp/8080 from 1.2.3.4/32`, `all from 0.0.0.0/0`, `tcp/8000-8099 from sg-...`, for reports. */
export function describeRule(rule: IngressRule): string {
  const ports = rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`
  const what = rule.protocol === '-1' ? 'all' : rule.fromPort === -1 ? rule.protocol : `${rule.protocol}/${ports}`
  return `${what} from ${rule.cidr ?? rule.otherSource ?? '?'}`
}

function keyOf(rule: WantedRule): string {
  return `${rule.port} ${rule.cidr}`
}

/** The key of a rule shaped like the ones fleet adds (TCP, one port, an IPv4 CIDR), else null. */
function singleTcpKey(rule: IngressRule): string | null {
  const tcp = rule.protocol === 'tcp' || rule.protocol === '6'
  if (!tcp || rule.cidr === null || rule.fromPort !== rule.toPort) return null
  return keyOf({port: rule.fromPort, cidr: rule.cidr})
}
