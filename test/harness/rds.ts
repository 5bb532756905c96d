/**
 * A MySQL RDS instance in moto, in its own VPC (two subnets), with or
 * without an internet gateway: what `doctor` and `rds-public` look at.
 */
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2'
import {CreateDBInstanceCommand, CreateDBSubnetGroupCommand, RDSClient} from '@aws-sdk/client-rds'

import type {Endpoint} from './moto.ts'
import {roleCredentials} from './seed.ts'

export interface SeedDbOptions {
  accountId: string
  identifier: string
  withInternetGateway: boolean
  region?: string
  publiclyAccessible?: boolean
  /** Also create a security group in the DB's VPC and give it to the DB (its `VpcSecurityGroups`). */
  securityGroup?: boolean
}

export interface SeededDb {
  vpcId: string
  /** The DB's security group, with `securityGroup: true`. */
  groupId: string | null
}

export async function seedDb(target: Endpoint, options: SeedDbOptions): Promise<SeededDb> {
  const region = options.region ?? 'ap-northeast-2'
  const credentials = await roleCredentials(target, options.accountId, {region})
  const ec2 = new EC2Client({endpoint: target.endpoint, region, credentials})
  const rds = new RDSClient({endpoint: target.endpoint, region, credentials})
  try {
    const vpc = (await ec2.send(new CreateVpcCommand({CidrBlock: '10.20.0.0/16'}))).Vpc!.VpcId!
    const subnets: string[] = []
    for (const [i, az] of ['a', 'b'].entries()) {
      const s = await ec2.send(new CreateSubnetCommand({VpcId: vpc, CidrBlock: `10.20.${i}.0/24`, AvailabilityZone: `${region}${az}`}))
      subnets.push(s.Subnet!.SubnetId!)
    }
    if (options.withInternetGateway) {
      const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!
      await ec2.send(new AttachInternetGatewayCommand({InternetGatewayId: igw, VpcId: vpc}))
    }
    const groupId = options.securityGroup
      ? (await ec2.send(new CreateSecurityGroupCommand({GroupName: `${options.identifier}-db`, Description: 'the DB', VpcId: vpc}))).GroupId!
      : null
    const group = `${options.identifier}-subnets`
    await rds.send(new CreateDBSubnetGroupCommand({DBSubnetGroupName: group, DBSubnetGroupDescription: 'fleet test', SubnetIds: subnets}))
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: options.identifier,
        DBInstanceClass: 'db.t3.micro',
        Engine: 'mysql',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'password123',
        DBSubnetGroupName: group,
        PubliclyAccessible: options.publiclyAccessible ?? false,
        ...(groupId ? {VpcSecurityGroupIds: [groupId]} : {}),
      }),
    )
    return {vpcId: vpc, groupId}
  } finally {
    ec2.destroy()
    rds.destroy()
  }
}
