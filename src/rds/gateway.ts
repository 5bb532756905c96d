import type {AwsProvider} from '../aws/provider.js'
import {ExternalError, toErrorInfo} from '../errors.js'
import type {RdsContext} from './context.js'

/** Whether the DB's VPC has an internet gateway: true/false, or null with the reason fleet cannot tell. */
export async function internetGatewayOf(provider: AwsProvider, ctx: RdsContext): Promise<{has: boolean | null; why: string | null}> {
  const vpcId = ctx.db.DBSubnetGroup?.VpcId
  if (!vpcId) return {has: null, why: `DB instance ${ctx.rds.instance} reports no VPC`}
  try {
    const gateways = await (await (await provider.forAccount(ctx.account)).ec2()).internetGatewaysOf(vpcId)
    return {has: gateways.length > 0, why: null}
  } catch (error) {
    return {has: null, why: `the internet gateways of ${vpcId} could not be read (${toErrorInfo(error).message})`}
  }
}

/**
 * `rds-public on` refuses before changing anything when the DB's VPC has
 * no internet gateway (public access would cost money and reach nothing);
 * when that cannot be told, it warns and goes on.
 */
export async function assertReachableFromOutside(provider: AwsProvider, ctx: RdsContext, warnings: string[]): Promise<boolean | null> {
  const {has, why} = await internetGatewayOf(provider, ctx)
  if (has === false) {
    const vpcId = ctx.db.DBSubnetGroup?.VpcId
    throw new ExternalError(
      'NoInternetGateway',
      `DB instance ${ctx.rds.instance}'s VPC ${vpcId} (account ${ctx.account.name}) has no internet gateway: public access would be billed and reach nothing. Nothing was changed.`,
      {nextSteps: [`Attach an internet gateway to ${vpcId} and route its DB subnets to it, then run the command again.`, '`fleet doctor` checks this too.']},
    )
  }
  if (has === null) warnings.push(`Could not tell whether public access can work: ${why}. Going on.`)
  return has
}
