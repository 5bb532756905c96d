import {toErrorInfo} from '../errors.js'
import {describeRule, markFor} from '../network/rules.js'
import type {Profile} from '../profile/load.js'
import {inspectOnHost} from './app-env.js'
import {initialResult, rdsContext} from './context.js'
import {internetGatewayOf} from './gateway.js'
import {onAppServers} from './servers.js'
import type {RdsPublicDeps} from './switch.js'
import type {RdsPublicResult} from './types.js'

export interface StatusOptions {
  archId?: string
  concurrency: number
  acceptNewHostKey?: boolean
  onStep?: (label: string) => void
}

/**
 * `fleet rds-public status`: the flag, the endpoint, what its public IPv4
 * costs, the rules fleet made in the DB's group, and which URL each running
 * app server's `.env` holds (read over SSH). Read calls only.
 */
export async function rdsPublicStatus(profile: Profile, deps: RdsPublicDeps, options: StatusOptions): Promise<RdsPublicResult> {
  options.onStep?.('reading the DB and the instances')
  const ctx = await rdsContext(profile, deps, {archId: options.archId, concurrency: options.concurrency, command: 'fleet rds-public status'})
  const result = initialResult(ctx, 'status', false)
  options.onStep?.('reading the DB’s VPC and security group')
  const [gateway, rules] = await Promise.all([internetGatewayOf(deps.provider, ctx), fleetRules(profile, deps, result)])
  result.db.internetGateway = gateway.has
  if (gateway.why) result.warnings.push(`Could not tell whether public access can work: ${gateway.why}.`)
  if (gateway.has === false) result.warnings.push(`The DB's VPC ${result.db.vpcId} has no internet gateway: public access would reach nothing.`)
  result.rules = rules
  options.onStep?.('reading each app server’s .env')
  result.servers = await onAppServers(profile, {names: ctx.apps, instances: ctx.instances, concurrency: options.concurrency, acceptNewHostKey: options.acceptNewHostKey}, async (host) => {
    if (!ctx.urls) throw ctx.urlError
    return inspectOnHost(host.shell, ctx.rds.envFile, ctx.rds.key, ctx.urls)
  })
  return result
}

/** The ingress rules marked `fleet:<profile>` in the DB's group; a read failure is a warning. */
async function fleetRules(profile: Profile, deps: RdsPublicDeps, result: RdsPublicResult): Promise<string[]> {
  const groupId = result.db.securityGroup
  if (!groupId) return []
  try {
    const sg = await (await deps.provider.forAccount(profile.account(result.db.account))).sg()
    return (await sg.ingressRules(groupId)).filter((r) => r.description === markFor(profile.name)).map(describeRule)
  } catch (error) {
    result.warnings.push(`The rules of ${groupId} could not be read: ${toErrorInfo(error).message}`)
    return []
  }
}
