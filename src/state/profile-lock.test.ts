import {mkdir, mkdtemp, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {withProfileLock} from './profile-lock.js'

describe('withProfileLock', () => {
  let saved: string | undefined
  let home: string
  beforeEach(async () => {
    saved = process.env.FLEET_HOME
    home = await mkdtemp(join(tmpdir(), 'fleet-lock-'))
    process.env.FLEET_HOME = home
  })
  afterEach(() => {
    if (saved === undefined) delete process.env.FLEET_HOME
    else process.env.FLEET_HOME = saved
  })

  it('refuses a second run on the same profile (exit 4) and never interleaves', async () => {
    const order: string[] = []
    let release!: () => void
    const first = withProfileLock('p', async () => {
      order.push('first in')
      await new Promise<void>((resolve) => (release = resolve))
      order.push('first out')
    })
    await new Promise((r) => setTimeout(r, 50))
    await expect(withProfileLock('p', async () => order.push('second'), 300)).rejects.toMatchObject({code: 'ProfileLocked', exitCode: 4})
    release()
    await first
    expect(order).toEqual(['first in', 'first out'])
  })

  it('lets a waiting run in once the first is done, and other profiles at once', async () => {
    let release!: () => void
    const first = withProfileLock('p', () => new Promise<void>((resolve) => (release = resolve)))
    await new Promise((r) => setTimeout(r, 50))
    await expect(withProfileLock('other', async () => 'other ran', 300)).resolves.toBe('other ran')
    const second = withProfileLock('p', async () => 'second ran', 5000)
    release()
    await first
    await expect(second).resolves.toBe('second ran')
  })

  it('takes over a lock left by a process that no longer exists', async () => {
    const file = join(home, 'locks', 'p.lock')
    await mkdir(join(home, 'locks'), {recursive: true})
    await writeFile(file, '999999999\n')
    const old = new Date(Date.now() - 60_000)
    await utimes(file, old, old)
    await expect(withProfileLock('p', async () => 'took over', 2000)).resolves.toBe('took over')
  })
})
