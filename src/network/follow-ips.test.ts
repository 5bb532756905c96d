import {describe, expect, it} from 'vitest'

import type {AwsProvider} from '../aws/provider.js'
import type {IngressPermission, IngressRule, SecurityGroupPort} from '../aws/ports/security-groups.js'
import {ExternalError} from '../errors.js'
import type {ResolvedAccount} from '../profile/load.js'
import {followIps} from './follow-ips.js'
import type {GroupWanted} from './wanted.js'

/*
 * The service over an in-memory port: order of calls, dry runs, partial
 * progress. The same behaviour against moto is in test/security-groups.test.ts.
 */

const account = (name: string) => ({name, accountId: '111111111111', region: 'ap-northeast-2'}) as ResolvedAccount

class FakeGroups implements SecurityGroupPort {
  calls: string[] = []
  failOn?: string
  private n = 0
  constructor(public rules: IngressRule[]) {}
  async ingressRules(groupId: string) {
    this.calls.push(`describe ${groupId}`)
    if (this.failOn === 'describe') throw new ExternalError('AccessDenied', 'denied')
    return this.rules.filter((r) => r.groupId === groupId)
  }
  async authorizeIngress(groupId: string, permissions: IngressPermission[]) {
    this.calls.push(`authorize ${groupId} ${permissions.map((p) => `${p.cidr}:${p.port}:${p.description}`).join(',')}`)
    if (this.failOn === 'authorize') throw new ExternalError('AwsError', 'no')
    for (const p of permissions) this.rules.push(ruleOf(groupId, p.cidr, p.port, p.description, `sgr-new${++this.n}`))
  }
  async revokeIngress(groupId: string, ids: string[]) {
    this.calls.push(`revoke ${groupId} ${ids.join(',')}`)
    if (this.failOn === 'revoke') throw new ExternalError('AwsError', 'no')
    this.rules = this.rules.filter((r) => !ids.includes(r.id))
  }
}

function ruleOf(groupId: string, cidr: string, port: number, description: string | null, id: string): IngressRule {
  return {id, groupId, protocol: 'tcp', fromPort: port, toPort: port, cidr, otherSource: null, description}
}

function providerOf(ports: Record<string, FakeGroups>): AwsProvider {
  return {
    forAccount: async (a: ResolvedAccount) => {
      if (!ports[a.name]) throw new ExternalError('RoleNotAssumable', `account ${a.name}: cannot assume`)
      return {sg: async () => ports[a.name]!}
    },
  } as unknown as AwsProvider
}

const want = (name: string, groupId: string | null, cidrs: string[], port = 8080): GroupWanted => ({
  account: account(name),
  groupId,
  rules: cidrs.map((cidr) => ({cidr, port})),
  warnings: [],
})

describe('followIps', () => {
  it('authorizes the new rule before revoking the stale marked one, and reports both', async () => {
    const app = new FakeGroups([ruleOf('sg-1', '0.0.0.0/0', 22, null, 'sgr-ssh'), ruleOf('sg-1', '54.0.0.1/32', 8080, 'fleet:test', 'sgr-old')])
    const [r] = await followIps({provider: providerOf({app}), profileName: 'test', concurrency: 4}, [want('app', 'sg-1', ['54.0.0.2/32'])])
    expect(app.calls).toEqual(['describe sg-1', 'authorize sg-1 54.0.0.2/32:8080:fleet:test', 'revoke sg-1 sgr-old'])
    expect(r).toEqual({
      account: 'app',
      ok: true,
      error: null,
      dryRun: false,
      authorized: ['sg-1 tcp/8080 from 54.0.0.2/32'],
      revoked: ['sg-1 tcp/8080 from 54.0.0.1/32'],
      groups: [{groupId: 'sg-1', authorized: ['tcp/8080 from 54.0.0.2/32'], revoked: ['tcp/8080 from 54.0.0.1/32'], untouched: 1}],
      warnings: [],
    })
  })

  it('makes no call that changes anything when converged, or in a dry run', async () => {
    const app = new FakeGroups([ruleOf('sg-1', '54.0.0.1/32', 8080, 'fleet:test', 'sgr-old')])
    const deps = {provider: providerOf({app}), profileName: 'test', concurrency: 4}
    await followIps(deps, [want('app', 'sg-1', ['54.0.0.1/32'])])
    const [dry] = await followIps({...deps, dryRun: true}, [want('app', 'sg-1', ['54.0.0.2/32'])])
    expect(app.calls).toEqual(['describe sg-1', 'describe sg-1'])
    expect(dry).toMatchObject({ok: true, dryRun: true, authorized: ['sg-1 tcp/8080 from 54.0.0.2/32'], revoked: ['sg-1 tcp/8080 from 54.0.0.1/32']})
  })

  it('reports what was done before a failure, and keeps the stale rule when the new one could not be added', async () => {
    const revokeFails = new FakeGroups([ruleOf('sg-1', '54.0.0.1/32', 8080, 'fleet:test', 'sgr-old')])
    revokeFails.failOn = 'revoke'
    const authorizeFails = new FakeGroups([ruleOf('sg-2', '54.0.0.1/32', 8080, 'fleet:test', 'sgr-old')])
    authorizeFails.failOn = 'authorize'
    const results = await followIps({provider: providerOf({a: revokeFails, b: authorizeFails}), profileName: 'test', concurrency: 4}, [
      want('a', 'sg-1', ['54.0.0.2/32']),
      want('b', 'sg-2', ['54.0.0.2/32']),
    ])
    expect(results[0]).toMatchObject({ok: false, error: {code: 'AwsError'}, authorized: ['sg-1 tcp/8080 from 54.0.0.2/32'], revoked: []})
    expect(results[1]).toMatchObject({ok: false, authorized: [], revoked: []})
    expect(authorizeFails.calls.some((c) => c.startsWith('revoke'))).toBe(false)
  })

  it('gives each account its own outcome: no group, a role that fails, and the rest done', async () => {
    const ok = new FakeGroups([])
    const results = await followIps({provider: providerOf({ok, nogroup: new FakeGroups([])}), profileName: 'test', concurrency: 1}, [
      want('nogroup', null, ['54.0.0.2/32']),
      want('norole', 'sg-9', ['54.0.0.2/32']),
      want('ok', 'sg-1', ['54.0.0.2/32']),
    ])
    expect(results.map((r) => [r.account, r.ok, r.error?.code ?? null])).toEqual([
      ['nogroup', false, 'NoSecurityGroup'],
      ['norole', false, 'RoleNotAssumable'],
      ['ok', true, null],
    ])
    expect(results[0]!.error!.message).toContain('accounts.nogroup.securityGroup')
  })

  it('works several groups of one account in turn, each authorize before its revoke', async () => {
    const lb = new FakeGroups([ruleOf('sg-app', '54.0.0.1/32', 8080, 'fleet:test', 'sgr-a'), ruleOf('sg-db', '54.0.0.1/32', 3306, 'fleet:test', 'sgr-d')])
    const [r] = await followIps({provider: providerOf({lb}), profileName: 'test', concurrency: 4}, [
      want('lb', 'sg-app', ['54.0.0.2/32']),
      want('lb', 'sg-db', ['54.0.0.2/32'], 3306),
    ])
    expect(r!.ok).toBe(true)
    expect(lb.calls.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
      'describe sg-app',
      'authorize sg-app',
      'revoke sg-app',
      'describe sg-db',
      'authorize sg-db',
      'revoke sg-db',
    ])
  })
})
