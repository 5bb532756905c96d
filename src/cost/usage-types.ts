import type {CostGroup} from './types.js'

/*
 * Where the names come from (stored copies of AWS's pages, read November 2026):
 * - Region prefixes: "AWS Region billing codes",
 *   https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html
 *   (North America, Africa, Asia Pacific, and `EU` for eu-west-1). The rest of
 *   Europe, the Middle East and South America as the S3 usage-report page
 *   lists them (EUC1 EUW2 EUW3 EUN1 MES1 SAE1; "USE1 (or no prefix)" for
 *   us-east-1); EUC2 EUS1 EUS2 MEC1 ILC1 as public pricing code maps use them.
 * - `region-PublicIPv4:InUseAddress` / `:IdleAddress` (Hours): "Understand
 *   codes for Amazon VPC in billing and usage reports" (VPC user guide).
 * - `Region-DataTransfer-Regional-Bytes` (billed in each direction),
 *   `Source-Destination-AWS-Out-Bytes` / `-In-Bytes` (inter-region; only Out
 *   is charged): "Understanding data transfer charges" (CUR user guide).
 * - `region-EBS:VolumeUsage.gp2` (GB-Mo): "Understand codes for Amazon EBS in
 *   billing and usage reports" (EBS user guide).
 * - `BoxUsage:t2.micro` (Hrs, no prefix in us-east-1): the Free Tier alerts
 *   page of the Billing user guide; `APN2-BoxUsage:t2.micro` elsewhere.
 * - RDS `InstanceUsage:db.t3.micro`, `Multi-AZUsage:db.*`, `RDS:GP2-Storage`:
 *   the AWS Price List `usagetype` values, as cost tools that read it show.
 * Not confirmed in what was read, kept because older reports use them: a bare
 * `BoxUsage` (m1.small hours, so never a free type), `ElasticIP:IdleAddress`
 * (before PublicIPv4 usage types, Feb 2024), `DataTransfer-xAZ-*-Bytes`.
 */

/** Billing prefix → region, for every current commercial region. */
export const REGION_PREFIXES: Readonly<Record<string, string>> = {
  USE1: 'us-east-1',
  USE2: 'us-east-2',
  USW1: 'us-west-1',
  USW2: 'us-west-2',
  CAN1: 'ca-central-1',
  CAN2: 'ca-west-1',
  MXC1: 'mx-central-1',
  AFS1: 'af-south-1',
  APE1: 'ap-east-1',
  APE2: 'ap-east-2',
  APN1: 'ap-northeast-1',
  APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3',
  APS1: 'ap-southeast-1',
  APS2: 'ap-southeast-2',
  APS3: 'ap-south-1',
  APS4: 'ap-southeast-3',
  APS5: 'ap-south-2',
  APS6: 'ap-southeast-4',
  APS7: 'ap-southeast-5',
  APS8: 'ap-southeast-6',
  APS9: 'ap-southeast-7',
  EU: 'eu-west-1',
  EUW2: 'eu-west-2',
  EUW3: 'eu-west-3',
  EUC1: 'eu-central-1',
  EUC2: 'eu-central-2',
  EUN1: 'eu-north-1',
  EUS1: 'eu-south-1',
  EUS2: 'eu-south-2',
  ILC1: 'il-central-1',
  MEC1: 'me-central-1',
  MES1: 'me-south-1',
  SAE1: 'sa-east-1',
}

const PREFIX_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(REGION_PREFIXES).map(([prefix, region]) => [region, prefix]),
)

/** The billing prefix of a region (`ap-northeast-2` → `APN2`), or null. */
export function regionPrefix(region: string): string | null {
  return PREFIX_OF[region] ?? null
}

/** A usage type taken apart: the region its prefix names and the rest. */
export interface ParsedUsageType {
  /** null when the prefix is unknown; us-east-1 when there is no prefix. */
  region: string | null
  /** The destination of an inter-region transfer (`APN2-USE1-AWS-Out-Bytes`). */
  peerRegion: string | null
  /** The usage type without its region prefix(es). */
  rest: string
}

const INTER_REGION = /^([A-Z]+\d?)-([A-Z]+\d?)-(AWS-(?:In|Out)-Bytes)$/
const PREFIXED = /^([A-Z]+\d?)-(.+)$/

/** Splits `APN2-BoxUsage:t2.micro` into its region and `BoxUsage:t2.micro`. */
export function parseUsageType(usageType: string): ParsedUsageType {
  const inter = INTER_REGION.exec(usageType)
  if (inter) {
    return {region: REGION_PREFIXES[inter[1]!] ?? null, peerRegion: REGION_PREFIXES[inter[2]!] ?? null, rest: inter[3]!}
  }
  const prefixed = PREFIXED.exec(usageType)
  if (prefixed) {
    const region = REGION_PREFIXES[prefixed[1]!]
    // An unknown prefix (CloudFront's `US-`, a Local Zone, a new region) names no region we know.
    return region ? {region, peerRegion: null, rest: prefixed[2]!} : {region: null, peerRegion: null, rest: usageType}
  }
  // No prefix at all: us-east-1's own usage types carry none.
  return {region: usageType === '' ? null : 'us-east-1', peerRegion: null, rest: usageType}
}

const EC2_HOURS = /^(?:BoxUsage|SpotUsage|DedicatedUsage|HostUsage|ReservedHostUsage|SchedUsage|HeavyUsage|UnusedBox|UnusedDed|CPUCredits)(?::|$)/
const RDS = /^(?:RDS|Aurora):|:db\./
const PUBLIC_IPV4 = /^(?:PublicIPv4|ElasticIP):/
const REGIONAL = /^DataTransfer-(?:Regional|xAZ-(?:In|Out))-Bytes$/
const EGRESS = /^(?:[A-Z]+-)?DataTransfer-Out-A?Bytes$|^AWS-Out-Bytes$/

/**
 * The spec group of a usage type. Inter-region transfer out of a region
 * (`APN2-USE1-AWS-Out-Bytes`) counts as internet egress: it is billed per GB
 * on the way out, like traffic to the internet. Free inbound transfer and
 * anything not named here (EBS, NAT, load balancers, ...) is `other`.
 */
export function classifyUsageType(usageType: string): CostGroup {
  const {rest} = parseUsageType(usageType)
  if (RDS.test(rest)) return 'rds'
  if (EC2_HOURS.test(rest)) return 'ec2-hours'
  if (PUBLIC_IPV4.test(rest)) return 'public-ipv4'
  if (REGIONAL.test(rest)) return 'regional-transfer'
  if (EGRESS.test(rest)) return 'internet-egress'
  return 'other'
}

/**
 * The instance type whose on-demand hours a usage type bills:
 * `APN2-BoxUsage:t2.micro` → `t2.micro`, a bare `BoxUsage` → `m1.small`;
 * null for anything that is not on-demand instance hours.
 */
export function boxUsageType(usageType: string): string | null {
  const {rest} = parseUsageType(usageType)
  if (rest === 'BoxUsage') return 'm1.small'
  const m = /^BoxUsage:(.+)$/.exec(rest)
  return m ? m[1]! : null
}
