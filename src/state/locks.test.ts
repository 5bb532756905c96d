import {mkdir, mkdtemp, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {beforeEach, describe, expect, it, vi} from 'vitest'

import {Locks} from './locks.js'

describe('Locks', () => {
  let dir: string
  const locks = (command: string, options: {waitMs?: number; onWait?: (m: string) => void} = {}) =>
    new Locks({command, profile: 'p'}, options, dir)

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'fleet-lock-')), 'locks')
  })

  it('refuses a second run on the same profile (exit 4) and never interleaves', async () => {
    const order: string[] = []
    let release!: () => void
    const first = locks('fleet up').profile('p', async () => {
      order.push('first in')
      await new Promise<void>((resolve) => (release = resolve))
      order.push('first out')
    })
    // The first run holds the lock once its callback runs.
    await vi.waitUntil(() => release !== undefined)
    await expect(locks('fleet down', {waitMs: 300}).profile('p', async () => order.push('second'))).rejects.toMatchObject({
      code: 'ProfileLocked',
      exitCode: 4,
      message: expect.stringContaining('`fleet up` (profile p'),
    })
    release()
    await first
    expect(order).toEqual(['first in', 'first out'])
  })

  it('lets a waiting run in once the first is done, and other profiles at once', async () => {
    let release!: () => void
    const first = locks('a').profile('p', () => new Promise<void>((resolve) => (release = resolve)))
    await vi.waitUntil(() => release !== undefined)
    await expect(locks('b', {waitMs: 300}).profile('other', async () => 'other ran')).resolves.toBe('other ran')
    const second = locks('c', {waitMs: 5000}).profile('p', async () => 'second ran')
    release()
    await first
    await expect(second).resolves.toBe('second ran')
  })

  it('takes over a lock left by a process that no longer exists', async () => {
    await mkdir(dir, {recursive: true})
    const file = join(dir, 'profile-p.lock')
    await writeFile(file, '999999999\n')
    const old = new Date(Date.now() - 60_000)
    await utimes(file, old, old)
    await expect(locks('x', {waitMs: 2000}).profile('p', async () => 'took over')).resolves.toBe('took over')
  })

  it('keys instance locks by instance id, whatever the profile, and says whose lock a run waits for', async () => {
    let release!: () => void
    const first = new Locks({command: 'fleet upstream sync', profile: 'one'}, {}, dir).instances(['i-b', 'i-a'], () => new Promise<void>((r) => (release = r)))
    await vi.waitUntil(() => release !== undefined)
    const told: string[] = []
    const second = new Locks({command: 'fleet up', profile: 'two'}, {waitMs: 5000, onWait: (m) => told.push(m)}, dir).instances(['i-a'], async () => 'in')
    await vi.waitUntil(() => told.length > 0)
    expect(told).toEqual([expect.stringMatching(/^Waiting for the lock on instance i-a, held by `fleet upstream sync` \(profile one, pid \d+, since/)])
    release()
    await first
    await expect(second).resolves.toBe('in')
  })

  it('refuses with InstanceLocked (exit 4) when the instance stays locked', async () => {
    let release!: () => void
    const first = locks('fleet upstream sync').instances(['i-a'], () => new Promise<void>((r) => (release = r)))
    await vi.waitUntil(() => release !== undefined)
    await expect(locks('fleet up', {waitMs: 200}).instances(['i-z', 'i-a'], async () => 'never')).rejects.toMatchObject({code: 'InstanceLocked', exitCode: 4})
    release()
    await first
  })
})
