import {ExternalError, FleetError} from '../errors.js'
import {awsDeadlineSeconds} from './deadline.js'

/** Where an AWS call was made, for messages that say what and where. */
export interface CallSite {
  account: string
  accountId?: string
  region?: string
  /** e.g. `ec2:DescribeInstances` */
  action: string
}

const denied = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
])
const badKey = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AuthFailure',
  'InvalidAccessKeyId',
  'IncompleteSignature',
])
const expired = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'])
const network = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'TimeoutError'])

/**
 * Translates an AWS SDK error into fleet's own, at the one AWS door. The SDK
 * has already retried throttling and transient faults by the time we get here.
 */
export function mapAwsError(error: unknown, site: CallSite): FleetError {
  if (error instanceof FleetError) return error
  const err = error as {name?: string; code?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const name = err?.name ?? 'Error'
  const code = err?.code ?? name
  const where = `account ${site.account}${site.accountId ? ` (${site.accountId}` + (site.region ? `, ${site.region})` : ')') : ''}`
  const detail = firstSentence(err?.message ?? '')

  if (denied.has(name)) {
    return new ExternalError('AccessDenied', `${where}: ${site.action} was denied (${name}).`, {
      cause: error,
      nextSteps: ['Run `fleet doctor` to list the permissions the role lacks, and `fleet iam policy` for the policy to attach.'],
    })
  }
  if (badKey.has(name)) {
    return new ExternalError('BadCredentials', `${where}: AWS refused the credentials for ${site.action} (${name}).`, {
      cause: error,
      nextSteps: ['Check the hub key: run `fleet login` again, or check hub.source in the profile.'],
    })
  }
  if (expired.has(name)) {
    return new ExternalError('ExpiredToken', `${where}: the credentials expired during ${site.action}.`, {
      cause: error,
      nextSteps: ['Run the command again; fleet assumes the role afresh when its cached session has expired.'],
    })
  }
  if (name.startsWith('Throttl') || name === 'RequestLimitExceeded' || name === 'TooManyRequestsException') {
    return new ExternalError('Throttled', `${where}: AWS kept throttling ${site.action} after retries.`, {cause: error})
  }
  if (isTimeout(err)) {
    return new ExternalError('AwsTimeout', `${where}: AWS did not answer ${site.action} within ${awsDeadlineSeconds()} s (endpoint ${endpointOf(site)}).`, {
      cause: error,
      nextSteps: ['Check the network; against an emulator, check that it runs at AWS_ENDPOINT_URL. FLEET_AWS_TIMEOUT sets the deadline in seconds.'],
    })
  }
  if (network.has(code) || network.has(name)) {
    return new ExternalError('Unreachable', `${where}: could not reach AWS for ${site.action} (${code}).`, {
      cause: error,
      nextSteps: ['Check the network, and AWS_ENDPOINT_URL if you use an emulator.'],
    })
  }
  if (/parse error|Unexpected token|Deserialization error/i.test(err?.message ?? '')) {
    const status = err?.$metadata?.httpStatusCode
    return new ExternalError('UnreadableAnswer', `${where}: ${site.action} got an answer that is not AWS's${status ? ` (HTTP ${status})` : ''}; an emulator behind AWS_ENDPOINT_URL may not implement it.`, {cause: error})
  }
  return new ExternalError('AwsError', `${where}: ${site.action} failed: ${name}${detail ? `: ${detail}` : ''}`, {
    cause: error,
  })
}

function isTimeout(err: {name?: string; code?: string; message?: string}): boolean {
  return err?.name === 'TimeoutError' || err?.code === 'ETIMEDOUT' || /timed out|requestTimeout/i.test(err?.message ?? '')
}

/** Where the call went: AWS_ENDPOINT_URL, else the service's regional endpoint. */
function endpointOf(site: CallSite, env: NodeJS.ProcessEnv = process.env): string {
  const service = site.action.split(':')[0] ?? 'aws'
  const fromEnv = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? env.AWS_ENDPOINT_URL
  if (fromEnv) return fromEnv
  const host = service === 'iam' ? 'iam.amazonaws.com' : `${service === 'ce' ? 'ce.us-east-1' : `${service}.${site.region ?? 'us-east-1'}`}.amazonaws.com`
  return `https://${host}`
}

function firstSentence(message: string): string {
  return message.split('\n')[0]!.slice(0, 300)
}
