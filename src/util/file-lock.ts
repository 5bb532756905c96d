import {open, readFile, rm, stat} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExternalError} from '../errors.js'

/** A lock older than this whose process is gone is taken over. */
const STALE_AFTER_MS = 5000

/**
 * Runs `fn` while holding an exclusive lock file (`O_CREAT|O_EXCL`) shared
 * by every fleet process on this machine. Holders keep it for milliseconds;
 * a lock left by a process that died is taken over.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (!(await tryAcquire(lockFile))) {
    if (await isStale(lockFile)) {
      await rm(lockFile, {force: true})
      continue
    }
    if (Date.now() > deadline) {
      throw new ExternalError('LockTimeout', `Another fleet process holds ${lockFile} and did not let go within ${timeoutMs} ms.`, {
        nextSteps: [`If no other fleet command is running, delete ${lockFile}.`],
      })
    }
    await sleep(10 + Math.random() * 40)
  }
  try {
    return await fn()
  } finally {
    await rm(lockFile, {force: true})
  }
}

async function tryAcquire(lockFile: string): Promise<boolean> {
  try {
    const handle = await open(lockFile, 'wx', 0o644)
    try {
      await handle.writeFile(`${process.pid}\n`)
    } finally {
      await handle.close()
    }
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

/**
 * Stale means: its process is gone AND it is old. The age check keeps two
 * waiters from both "taking over" when one of them already re-created it.
 */
async function isStale(lockFile: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)])
    if (Date.now() - info.mtimeMs < STALE_AFTER_MS) return false
    const pid = Number.parseInt(text, 10)
    return !Number.isInteger(pid) || !processExists(pid)
  } catch (error) {
    // Gone between our attempt and now: not stale, just retry.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
