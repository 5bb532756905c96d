import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {GuardrailError} from '../errors.js'
import {homePaths} from '../home.js'
import {acquireFileLock, LockTimeoutError} from '../util/file-lock.js'

/** How long a second mutating run waits for the first before it is refused. */
export const LOCK_WAIT_MS = 30_000

/** Who holds a lock: written into it, so that a waiting run can say whose lock it waits for. */
export interface LockHolder {
  command: string
  profile: string
  pid: number
  since: string
}

export interface LockOptions {
  waitMs?: number
  /** Told once per busy lock, when the wait begins: "waiting for the lock on i-0abc held by …". */
  onWait?: (message: string) => void
}

/**
 * Mutating runs never interleave (spec section 7): a run holds the lock of
 * its profile and of every instance it may change. Instance locks are keyed
 * by instance id (as known_hosts is), so two profiles naming the same host
 * are serialised too. Locks are taken in sorted order, so two runs wanting
 * the same ones cannot deadlock; a second run waits, then is refused
 * (exit 4). A lock left by a process that no longer exists is taken over.
 * Runs on two different machines are not serialised.
 */
export class Locks {
  constructor(
    private readonly holder: Omit<LockHolder, 'pid' | 'since'>,
    private readonly options: LockOptions = {},
    private readonly dir = homePaths().locks,
  ) {}

  /** Runs `fn` holding the profile's lock. */
  profile<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.hold([`profile-${name}`], fn)
  }

  /** Runs `fn` holding the lock of each instance (duplicates and order do not matter). */
  instances<T>(ids: readonly string[], fn: () => Promise<T>): Promise<T> {
    return this.hold(ids.map((id) => `instance-${id}`), fn)
  }

  private async hold<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, {recursive: true})
    const releases: Array<() => Promise<void>> = []
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key))
      return await fn()
    } finally {
      for (const release of releases.reverse()) await release()
    }
  }

  private async acquire(key: string): Promise<() => Promise<void>> {
    const file = join(this.dir, `${key}.lock`)
    const waitMs = this.options.waitMs ?? LOCK_WAIT_MS
    const about: LockHolder = {...this.holder, pid: process.pid, since: new Date().toISOString()}
    const what = describeKey(key)
    try {
      return await acquireFileLock(file, {
        timeoutMs: waitMs,
        about: JSON.stringify(about),
        onWait: (holder) => this.options.onWait?.(`Waiting for the lock on ${what}, held by ${describeHolder(holder)}…`),
      })
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error
      const code = key.startsWith('profile-') ? 'ProfileLocked' : 'InstanceLocked'
      throw new GuardrailError(code, `${describeHolder(error.holder)} is changing ${what}; refused after waiting ${Math.round(waitMs / 1000)} s.`, {
        nextSteps: [`Let it finish and run again. If no fleet command is running, delete ${file}.`],
      })
    }
  }
}

function describeKey(key: string): string {
  return key.startsWith('profile-') ? `profile ${key.slice('profile-'.length)}` : `instance ${key.slice('instance-'.length)}`
}

function describeHolder(text: string | null): string {
  try {
    const h = JSON.parse(text ?? '') as LockHolder
    return `\`${h.command}\` (profile ${h.profile}, pid ${h.pid}, since ${h.since.slice(11, 19)} UTC)`
  } catch {
    return 'another fleet command'
  }
}
