/**
 * Seeds moto accounts the way fleet will find them: through the real AWS SDK,
 * as the hub assuming each account's FleetOperator role (so each account id
 * has its own state), then running tagged instances and idle Elastic IPs.
 */
import {
  AllocateAddressCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2'
import {AssumeRoleCommand, STSClient} from '@aws-sdk/client-sts'
import {randomInt} from 'node:crypto'

import type {Endpoint} from './moto.ts'

/** The hub identity tests use (moto accepts any key; this one is in its default account 123456789012). */
export const HUB_CREDENTIALS = {
  accessKeyId: 'AKIAHUBTESTKEY000001',
  secretAccessKey: 'hubTestSecretKey0000000000000000000000001',
} as const

/** An Amazon Linux 2 image from moto's built-in list (moto does not check the id, DescribeImages lists it). */
export const TEST_AMI = 'ami-04681a1dbd79675a5'

const DEFAULT_REGION = 'ap-northeast-2'

export interface SeedInstance {
  tags: Record<string, string>
  /** Default `t2.micro`. */
  type?: string
  /** Default `running`. */
  state?: 'running' | 'stopped'
  /**
   * A fixed private IP; a VPC (/16) and subnet (/24) around it are created.
   * moto accepts 127.0.0.0/8, so tests can use addresses bound on `lo`.
   * Without it the instance lands in the default VPC with a random private IP.
   */
  privateIp?: string
  /** With `privateIp`: also give the instance a (moto, never reachable) public IP. Default true. */
  publicIp?: boolean
  /** What the instance does when it shuts itself down (default `stop`; moto only takes it at launch). */
  shutdownBehavior?: 'stop' | 'terminate'
}

export interface SeedAccountOptions {
  /** 12 digits. */
  accountId: string
  /** Default `ap-northeast-2`. */
  region?: string
  /** Default `FleetOperator`. */
  roleName?: string
  instances?: SeedInstance[]
  /** Elastic IPs allocated and left unattached (they cost money: status must flag them). */
  elasticIps?: {idle: number}
}

export interface SeededInstance {
  id: string
  state: string
  type: string
  privateIp?: string
  publicIp?: string
}

export interface SeededAccount {
  accountId: string
  region: string
  roleArn: string
  instanceIds: string[]
  instances: SeededInstance[]
  elasticIps: {allocationId: string; publicIp: string}[]
}

/** Creates the account's instances and idle Elastic IPs in moto; returns what was made. */
export async function seedAccount(target: Endpoint, options: SeedAccountOptions): Promise<SeededAccount> {
  const region = options.region ?? DEFAULT_REGION
  const arn = roleArn(options.accountId, options.roleName)
  const ec2 = await accountEc2(target, options.accountId, {region, roleName: options.roleName})
  const instanceIds: string[] = []
  for (const spec of options.instances ?? []) instanceIds.push(await launch(ec2, spec))
  const elasticIps = []
  for (let i = 0; i < (options.elasticIps?.idle ?? 0); i++) {
    const eip = await ec2.send(new AllocateAddressCommand({Domain: 'vpc'}))
    elasticIps.push({allocationId: eip.AllocationId ?? '', publicIp: eip.PublicIp ?? ''})
  }
  const instances = instanceIds.length ? await describe(ec2, instanceIds) : []
  ec2.destroy()
  return {accountId: options.accountId, region, roleArn: arn, instanceIds, instances, elasticIps}
}

/** `arn:aws:iam::<accountId>:role/<roleName>` */
export function roleArn(accountId: string, roleName = 'FleetOperator'): string {
  return `arn:aws:iam::${accountId}:role/${roleName}`
}

/** The account's role credentials, from a real AssumeRole made with the hub credentials. */
export async function roleCredentials(
  target: Endpoint,
  accountId: string,
  options: {region?: string; roleName?: string} = {},
): Promise<{accessKeyId: string; secretAccessKey: string; sessionToken: string}> {
  const sts = new STSClient({endpoint: target.endpoint, region: options.region ?? DEFAULT_REGION, credentials: HUB_CREDENTIALS})
  try {
    const {Credentials: c} = await sts.send(
      new AssumeRoleCommand({RoleArn: roleArn(accountId, options.roleName), RoleSessionName: 'fleet-test-seed'}),
    )
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRole returned no credentials')
    return {accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken}
  } finally {
    sts.destroy()
  }
}

/** An EC2 client acting in `accountId` (through its role), to inspect or change what a test seeded. */
export async function accountEc2(
  target: Endpoint,
  accountId: string,
  options: {region?: string; roleName?: string} = {},
): Promise<EC2Client> {
  const region = options.region ?? DEFAULT_REGION
  const credentials = await roleCredentials(target, accountId, options)
  return new EC2Client({endpoint: target.endpoint, region, credentials})
}

/**
 * A random 12-digit account id. Tests running at the same time share one
 * keyring (and its `fleet-session` cache), so each should use its own ids.
 */
export function uniqueAccountId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999))
}

async function launch(ec2: EC2Client, spec: SeedInstance): Promise<string> {
  const input: RunInstancesCommandInput = {
    ImageId: TEST_AMI,
    MinCount: 1,
    MaxCount: 1,
    InstanceType: (spec.type ?? 't2.micro') as RunInstancesCommandInput['InstanceType'],
    InstanceInitiatedShutdownBehavior: spec.shutdownBehavior,
    TagSpecifications: Object.keys(spec.tags).length
      ? [{ResourceType: 'instance', Tags: Object.entries(spec.tags).map(([Key, Value]) => ({Key, Value}))}]
      : undefined,
  }
  if (spec.privateIp) {
    const subnetId = await subnetFor(ec2, spec.privateIp)
    // AWS puts an interface without groups in its VPC's default group; moto leaves it with none.
    const groups = await defaultGroupOf(ec2, subnetId)
    input.NetworkInterfaces = [
      {DeviceIndex: 0, SubnetId: subnetId, PrivateIpAddress: spec.privateIp, AssociatePublicIpAddress: spec.publicIp ?? true, Groups: groups},
    ]
  }
  const {Instances} = await ec2.send(new RunInstancesCommand(input))
  const id = Instances?.[0]?.InstanceId
  if (!id) throw new Error('RunInstances returned no instance')
  if (spec.state === 'stopped') await ec2.send(new StopInstancesCommand({InstanceIds: [id]}))
  return id
}

/** The default security group of the subnet's VPC, as AWS would use it. */
async function defaultGroupOf(ec2: EC2Client, subnetId: string): Promise<string[]> {
  const subnet = await ec2.send(new DescribeSubnetsCommand({SubnetIds: [subnetId]}))
  const vpcId = subnet.Subnets?.[0]?.VpcId
  if (!vpcId) return []
  const filters = [{Name: 'vpc-id', Values: [vpcId]}, {Name: 'group-name', Values: ['default']}]
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({Filters: filters}))
  return (groups.SecurityGroups ?? []).map((g) => g.GroupId!).slice(0, 1)
}

/** The subnet (/24, in a /16 VPC) holding `ip`, created on first use. */
async function subnetFor(ec2: EC2Client, ip: string): Promise<string> {
  const octets = ip.split('.')
  if (octets.length !== 4) throw new Error(`not an IPv4 address: ${ip}`)
  const subnetCidr = `${octets.slice(0, 3).join('.')}.0/24`
  const vpcCidr = `${octets.slice(0, 2).join('.')}.0.0/16`
  const existing = await ec2.send(new DescribeSubnetsCommand({Filters: [{Name: 'cidr-block', Values: [subnetCidr]}]}))
  const found = existing.Subnets?.[0]?.SubnetId
  if (found) return found
  const vpcs = await ec2.send(new DescribeVpcsCommand({Filters: [{Name: 'cidr', Values: [vpcCidr]}]}))
  const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? (await ec2.send(new CreateVpcCommand({CidrBlock: vpcCidr}))).Vpc?.VpcId
  const subnet = await ec2.send(new CreateSubnetCommand({VpcId: vpcId, CidrBlock: subnetCidr}))
  if (!subnet.Subnet?.SubnetId) throw new Error(`could not create subnet ${subnetCidr}`)
  return subnet.Subnet.SubnetId
}

async function describe(ec2: EC2Client, ids: string[]): Promise<SeededInstance[]> {
  const {Reservations} = await ec2.send(new DescribeInstancesCommand({InstanceIds: ids}))
  const byId = new Map<string, Instance>()
  for (const r of Reservations ?? []) for (const i of r.Instances ?? []) if (i.InstanceId) byId.set(i.InstanceId, i)
  return ids.map((id) => {
    const i = byId.get(id)
    return {
      id,
      state: i?.State?.Name ?? 'unknown',
      type: i?.InstanceType ?? 'unknown',
      privateIp: i?.PrivateIpAddress,
      publicIp: i?.PublicIpAddress,
    }
  })
}
