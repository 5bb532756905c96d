import {describe, expect, it} from 'vitest'

import {ExitCode} from '../errors.js'
import {mapAwsError} from './errors.js'

const site = {account: 'app-1', accountId: '222222222222', region: 'ap-northeast-2', action: 'ec2:DescribeInstances'}
const awsError = (name: string, message = 'boom') => Object.assign(new Error(message), {name})

describe('mapAwsError', () => {
  it.each([
    ['AccessDenied', 'AccessDenied'],
    ['UnauthorizedOperation', 'AccessDenied'],
    ['InvalidClientTokenId', 'BadCredentials'],
    ['SignatureDoesNotMatch', 'BadCredentials'],
    ['ExpiredToken', 'ExpiredToken'],
    ['ThrottlingException', 'Throttled'],
    ['RequestLimitExceeded', 'Throttled'],
    ['SomethingElse', 'AwsError'],
  ])('%s becomes %s, exit 3, naming the account and the call', (name, code) => {
    const mapped = mapAwsError(awsError(name), site)
    expect(mapped.code).toBe(code)
    expect(mapped.exitCode).toBe(ExitCode.external)
    expect(mapped.message).toContain('account app-1 (222222222222, ap-northeast-2)')
    expect(mapped.message).toContain('ec2:DescribeInstances')
  })

  it('maps network failures by their code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'})
    expect(mapAwsError(err, site).code).toBe('Unreachable')
  })
})

describe('mapAwsError on answers that are not AWS', () => {
  it('says the endpoint may not implement the call instead of echoing a parser error', () => {
    const err = Object.assign(new Error('@aws-sdk XML parse error: mismatched tags <html> and </title>.'), {$metadata: {httpStatusCode: 404}})
    const mapped = mapAwsError(err, {...site, action: 'iam:SimulatePrincipalPolicy'})
    expect(mapped.code).toBe('UnreadableAnswer')
    expect(mapped.message).toContain('(HTTP 404)')
    expect(mapped.message).not.toContain('<html>')
  })
})
