import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {FleetError, GuardrailError} from '../errors.js'
import {homePaths} from '../home.js'
import {withFileLock} from '../util/file-lock.js'

/** How long a second mutating run waits for the first before it is refused. */
export const LOCK_WAIT_MS = 30_000

/**
 * One mutating run per profile at a time (spec section 7): the second waits
 * for the first, then is refused (exit 4); it never interleaves. A lock left
 * by a process that no longer exists is taken over.
 */
export async function withProfileLock<T>(profile: string, fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const dir = homePaths().locks
  await mkdir(dir, {recursive: true})
  const file = join(dir, `${profile}.lock`)
  try {
    return await withFileLock(file, fn, waitMs)
  } catch (error) {
    if (error instanceof FleetError && error.code === 'LockTimeout' && error.message.includes(file)) {
      throw new GuardrailError('ProfileLocked', `Another fleet command is changing profile ${profile}; refused after waiting ${Math.round(waitMs / 1000)} s.`, {
        nextSteps: [`Let it finish and run again. If none is running, delete ${file}.`],
      })
    }
    throw error
  }
}
