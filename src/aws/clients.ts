import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'

import type {Address, DescribeInstancesCommandInput, Instance, InternetGateway} from '@aws-sdk/client-ec2'
import type {DBInstance} from '@aws-sdk/client-rds'

import {type CallSite, mapAwsError} from './errors.js'
import type {Credentials} from './session-cache.js'

/*
 * Narrow ports over the AWS SDK: each lists only the calls fleet makes, so
 * that the rest of the code neither sees the SDK nor loads a client it does
 * not use (every client is imported on first use).
 */

export interface Ec2Port {
  /** Every page of DescribeInstances. */
  describeInstances(input?: DescribeInstancesCommandInput): Promise<Instance[]>
  describeAddresses(): Promise<Address[]>
  internetGatewaysOf(vpcId: string): Promise<InternetGateway[]>
}

export interface RdsPort {
  /** null when no DB instance has that identifier. */
  describeDbInstance(identifier: string): Promise<DBInstance | null>
}

export interface StsPort {
  callerIdentity(): Promise<{account: string; arn: string}>
}

export interface IamPort {
  /** The actions that the principal's policies do not allow. */
  deniedActions(principalArn: string, actions: string[]): Promise<string[]>
}

export interface ClientContext {
  account: string
  accountId: string
  region: string
  credentials: Credentials
}

let agents: {httpAgent: HttpAgent; httpsAgent: HttpsAgent} | undefined

/**
 * One pool of keep-alive connections for every client of the run: the
 * accounts of a region talk to the same endpoints, so they share sockets
 * (and TLS sessions) instead of opening their own. Idle sockets do not keep
 * the process alive. Clients built on it are never destroy()ed: that would
 * close the pool for the others.
 */
function sharedAgents() {
  agents ??= {httpAgent: new HttpAgent({keepAlive: true, maxSockets: 64}), httpsAgent: new HttpsAgent({keepAlive: true, maxSockets: 64})}
  return agents
}

/** SDK settings shared by every client: AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS and friends apply as usual. */
export function clientConfig(ctx: Pick<ClientContext, 'region' | 'credentials'>) {
  return {
    region: ctx.region,
    credentials: ctx.credentials,
    retryMode: 'standard',
    requestHandler: {connectionTimeout: 5000, requestTimeout: 30_000, ...sharedAgents()},
  } as const
}

function guard(ctx: ClientContext) {
  return async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      const site: CallSite = {account: ctx.account, accountId: ctx.accountId, region: ctx.region, action}
      throw mapAwsError(error, site)
    }
  }
}

export async function createEc2Port(ctx: ClientContext): Promise<Ec2Port> {
  const ec2 = await import('./sdk/ec2.js')
  const client = new ec2.EC2Client(clientConfig(ctx))
  const call = guard(ctx)
  return {
    describeInstances: (input = {}) =>
      call('ec2:DescribeInstances', async () => {
        const instances: Instance[] = []
        for await (const page of ec2.paginateDescribeInstances({client}, input)) {
          for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []))
        }
        return instances
      }),
    describeAddresses: () =>
      call('ec2:DescribeAddresses', async () => (await client.send(new ec2.DescribeAddressesCommand({}))).Addresses ?? []),
    internetGatewaysOf: (vpcId) =>
      call('ec2:DescribeInternetGateways', async () => {
        const filter = {Name: 'attachment.vpc-id', Values: [vpcId]}
        const out = await client.send(new ec2.DescribeInternetGatewaysCommand({Filters: [filter]}))
        return out.InternetGateways ?? []
      }),
  }
}

export async function createRdsPort(ctx: ClientContext): Promise<RdsPort> {
  const rds = await import('./sdk/rds.js')
  const client = new rds.RDSClient(clientConfig(ctx))
  const call = guard(ctx)
  return {
    describeDbInstance: (identifier) =>
      call('rds:DescribeDBInstances', async () => {
        try {
          const out = await client.send(new rds.DescribeDBInstancesCommand({DBInstanceIdentifier: identifier}))
          return out.DBInstances?.[0] ?? null
        } catch (error) {
          if ((error as Error).name === 'DBInstanceNotFoundFault') return null
          throw error
        }
      }),
  }
}

export async function createStsPort(ctx: ClientContext): Promise<StsPort> {
  const sts = await import('./sdk/sts.js')
  const client = new sts.STSClient(clientConfig(ctx))
  const call = guard(ctx)
  return {
    callerIdentity: () =>
      call('sts:GetCallerIdentity', async () => {
        const out = await client.send(new sts.GetCallerIdentityCommand({}))
        return {account: out.Account ?? '', arn: out.Arn ?? ''}
      }),
  }
}

export async function createIamPort(ctx: ClientContext): Promise<IamPort> {
  const iam = await import('./sdk/iam.js')
  // IAM is global: its endpoint lives in us-east-1 whatever the account's region.
  const client = new iam.IAMClient(clientConfig({...ctx, region: 'us-east-1'}))
  const call = guard(ctx)
  return {
    deniedActions: (principalArn, actions) =>
      call('iam:SimulatePrincipalPolicy', async () => {
        const denied: string[] = []
        for await (const page of iam.paginateSimulatePrincipalPolicy(
          {client},
          {PolicySourceArn: principalArn, ActionNames: actions},
        )) {
          for (const r of page.EvaluationResults ?? []) {
            if (r.EvalDecision !== 'allowed' && r.EvalActionName) denied.push(r.EvalActionName)
          }
        }
        return denied
      }),
  }
}
