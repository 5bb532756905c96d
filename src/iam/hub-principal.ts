import type {AwsProvider} from '../aws/provider.js'
import {principalFromCallerArn} from './policy.js'

/** Who the hub is, as the roles' trust policy must name it: one GetCallerIdentity as the hub. */
export async function hubPrincipal(provider: Pick<AwsProvider, 'hubSts'>): Promise<{principal: string; note: string | null}> {
  const caller = await (await provider.hubSts()).callerIdentity()
  return principalFromCallerArn(caller.arn)
}
