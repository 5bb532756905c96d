import type {Address, DescribeInstancesCommandInput, Instance, InternetGateway} from '@aws-sdk/client-ec2'

import {type ClientContext, callerFor, clientConfig} from './call.js'

/** The EC2 reads fleet makes. */
export interface Ec2Port {
  /** Every page of DescribeInstances. */
  describeInstances(input?: DescribeInstancesCommandInput): Promise<Instance[]>
  describeAddresses(): Promise<Address[]>
  internetGatewaysOf(vpcId: string): Promise<InternetGateway[]>
}

export async function createEc2Port(ctx: ClientContext): Promise<Ec2Port> {
  const ec2 = await import('../sdk/ec2.js')
  const client = new ec2.EC2Client(clientConfig(ctx))
  const call = callerFor(ctx)
  return {
    describeInstances: (input = {}) =>
      call('ec2:DescribeInstances', async () => {
        const instances: Instance[] = []
        for await (const page of ec2.paginateDescribeInstances({client}, input)) {
          for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []))
        }
        return instances
      }),
    describeAddresses: () => call('ec2:DescribeAddresses', async () => (await client.send(new ec2.DescribeAddressesCommand({}))).Addresses ?? []),
    internetGatewaysOf: (vpcId) =>
      call('ec2:DescribeInternetGateways', async () => {
        const filter = {Name: 'attachment.vpc-id', Values: [vpcId]}
        const out = await client.send(new ec2.DescribeInternetGatewaysCommand({Filters: [filter]}))
        return out.InternetGateways ?? []
      }),
  }
}
