import type {DBInstance} from '@aws-sdk/client-rds'
import {describe, expect, test} from 'vitest'

import {InterruptedError} from '../errors.js'
import {hasApplied, waitForPublicAccess} from './wait.js'

/** A fake clock whose pauses advance time, and a DB that answers from a script. */
function rig(answers: Array<Partial<DBInstance> | null>) {
  let now = 0
  const pauses: number[] = []
  const seen: Array<Partial<DBInstance> | null> = []
  const describeDb = async () => {
    const next = answers.length > 1 ? answers.shift()! : answers[0]!
    seen.push(next)
    return next as DBInstance | null
  }
  const options = {
    now: () => now,
    pause: async (ms: number) => {
      pauses.push(ms)
      now += ms
    },
    delays: {minDelaySeconds: 1, maxDelaySeconds: 4},
  }
  return {describeDb, options, pauses, seen}
}

const db = (status: string, open: boolean): Partial<DBInstance> => ({DBInstanceStatus: status, PubliclyAccessible: open})

describe('waitForPublicAccess', () => {
  test('Given AWS still says available with the old flag, then modifying, When waiting for on, Then only available AND on ends the wait', async () => {
    const {describeDb, options, pauses, seen} = rig([db('available', false), db('modifying', false), db('modifying', false), db('modifying', true), db('available', true)])
    const found = await waitForPublicAccess('parking-db', describeDb, {...options, want: true, timeoutMs: 60_000})
    expect(found).toMatchObject({DBInstanceStatus: 'available', PubliclyAccessible: true})
    expect(seen).toHaveLength(5)
    // From the shortest delay, doubling, up to the longest
    expect(pauses).toEqual([1000, 2000, 4000, 4000])
  })

  test('Given the flag already applied, When waiting, Then one look is enough', async () => {
    const {describeDb, options, pauses} = rig([db('available', false)])
    await waitForPublicAccess('parking-db', describeDb, {...options, want: false, timeoutMs: 60_000})
    expect(pauses).toEqual([])
  })

  test('Given a DB stuck modifying, When the timeout passes, Then the error names the DB, its state and how long', async () => {
    const {describeDb, options} = rig([db('modifying', false)])
    const error = await waitForPublicAccess('parking-db', describeDb, {...options, want: true, timeoutMs: 10_000}).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'DbWaitTimeout', exitCode: 3})
    expect((error as Error).message).toBe('DB instance parking-db is still "modifying", public access off after 10s: fleet waited for public access on and "available".')
  })

  test('Given a DB being deleted or gone, When waiting, Then it fails at once', async () => {
    const deleting = rig([db('deleting', false)])
    await expect(waitForPublicAccess('parking-db', deleting.describeDb, {...deleting.options, want: true, timeoutMs: 60_000})).rejects.toMatchObject({code: 'DbUnavailable'})
    const gone = rig([null])
    await expect(waitForPublicAccess('parking-db', gone.describeDb, {...gone.options, want: true, timeoutMs: 60_000})).rejects.toMatchObject({code: 'DbGone'})
  })

  test('Given Ctrl-C, When waiting, Then the wait stops with an interrupt saying AWS goes on', async () => {
    const controller = new AbortController()
    controller.abort()
    const cancel = {signal: controller.signal, urgent: new AbortController().signal, critical: <T>(fn: () => Promise<T>) => fn()}
    const {describeDb, options} = rig([db('modifying', false)])
    const error = await waitForPublicAccess('parking-db', describeDb, {...options, want: true, timeoutMs: 60_000, cancel}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    expect((error as Error).message).toContain('a re-run picks it up')
  })

  test('hasApplied wants both the flag and available', () => {
    expect(hasApplied(db('available', true) as DBInstance, true)).toBe(true)
    expect(hasApplied(db('modifying', true) as DBInstance, true)).toBe(false)
    expect(hasApplied(db('available', false) as DBInstance, true)).toBe(false)
    expect(hasApplied({DBInstanceStatus: 'available'} as DBInstance, false)).toBe(true)
  })
})
