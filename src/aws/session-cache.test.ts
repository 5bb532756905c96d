import {describe, expect, it} from 'vitest'

import {memoryStore} from '../secrets/secret-store.js'
import {fingerprint, SessionCache} from './session-cache.js'

const creds = (expiresAt: number) => ({accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's'.repeat(40), sessionToken: 't', expiration: new Date(expiresAt)})

describe('SessionCache', () => {
  it('reuses a session until five minutes before it expires', async () => {
    let now = 0
    const cache = new SessionCache(memoryStore(), () => now)
    const fp = fingerprint('AKIAHUB', 'arn:aws:iam::222222222222:role/FleetOperator')
    await cache.put('p:app-1', fp, creds(60 * 60_000))
    now = 54 * 60_000
    expect(await cache.get('p:app-1', fp)).not.toBeNull()
    now = 55 * 60_000 + 1
    expect(await cache.get('p:app-1', fp)).toBeNull()
  })

  it('ignores a session made for another identity', async () => {
    const cache = new SessionCache(memoryStore(), () => 0)
    await cache.put('p:app-1', fingerprint('AKIAOLD'), creds(3_600_000))
    expect(await cache.get('p:app-1', fingerprint('AKIANEW'))).toBeNull()
  })

  it('clears one profile only', async () => {
    const store = memoryStore()
    const cache = new SessionCache(store, () => 0)
    await cache.put('a:x', 'f', creds(3_600_000))
    await cache.put('a:y', 'f', creds(3_600_000))
    await cache.put('b:x', 'f', creds(3_600_000))
    expect(await cache.clearProfile('a')).toBe(2)
    expect(await store.accounts('fleet-session')).toEqual(['b:x'])
  })
})
