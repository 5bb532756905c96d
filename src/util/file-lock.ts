import {open, readFile, rm, stat} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExternalError} from '../errors.js'

/** A lock older than this whose process is gone is taken over. */
const STALE_AFTER_MS = 5000

/** Raised when a lock is still held after the wait: callers tell it by its class, not its text. */
export class LockTimeoutError extends ExternalError {
  constructor(
    readonly lockFile: string,
    /** What the holder wrote after its pid (fleet writes JSON saying who it is), or null. */
    readonly holder: string | null,
    timeoutMs: number,
  ) {
    super('LockTimeout', `Another fleet process holds ${lockFile} and did not let go within ${timeoutMs} ms.`, {
      nextSteps: [`If no other fleet command is running, delete ${lockFile}.`],
    })
  }
}

export interface FileLockOptions {
  timeoutMs?: number
  /** Written after the pid line, for whoever waits (who holds the lock, and since when). */
  about?: string
  /** Called once, with the holder's `about`, when the lock is busy and the wait begins. */
  onWait?: (holder: string | null) => void
}

/**
 * Runs `fn` while holding an exclusive lock file (`O_CREAT|O_EXCL`) shared
 * by every fleet process on this machine. A lock left by a process that
 * died is taken over.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const release = await acquireFileLock(lockFile, options)
  try {
    return await fn()
  } finally {
    await release()
  }
}

/** Takes the lock (waiting up to `timeoutMs`, default 10 s) and returns its release. */
export async function acquireFileLock(lockFile: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  let told = false
  while (!(await tryAcquire(lockFile, options.about))) {
    if (await isStale(lockFile)) {
      await rm(lockFile, {force: true})
      continue
    }
    if (Date.now() > deadline) throw new LockTimeoutError(lockFile, await holderOf(lockFile), timeoutMs)
    if (!told && options.onWait) {
      told = true
      options.onWait(await holderOf(lockFile))
    }
    await sleep(10 + Math.random() * 40)
  }
  return () => rm(lockFile, {force: true})
}

async function tryAcquire(lockFile: string, about?: string): Promise<boolean> {
  try {
    const handle = await open(lockFile, 'wx', 0o644)
    try {
      await handle.writeFile(`${process.pid}\n${about ?? ''}`)
    } finally {
      await handle.close()
    }
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

async function holderOf(lockFile: string): Promise<string | null> {
  const text = await readFile(lockFile, 'utf8').catch(() => '')
  const about = text.slice(text.indexOf('\n') + 1).trim()
  return text.includes('\n') && about !== '' ? about : null
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
