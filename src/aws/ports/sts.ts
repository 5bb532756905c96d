import {type ClientContext, callerFor, clientConfig} from './call.js'

export interface StsPort {
  callerIdentity(): Promise<{account: string; arn: string}>
}

export async function createStsPort(ctx: ClientContext): Promise<StsPort> {
  const sts = await import('../sdk/sts.js')
  const client = new sts.STSClient(clientConfig(ctx))
  const call = callerFor(ctx)
  return {
    callerIdentity: () =>
      call('sts:GetCallerIdentity', async () => {
        const out = await client.send(new sts.GetCallerIdentityCommand({}))
        return {account: out.Account ?? '', arn: out.Arn ?? ''}
      }),
  }
}
