/**
 * Waiting for the event, never for a time: a file a remote command writes, a
 * signal taken, nginx done with a reload. Plain functions (no vitest), so the
 * bench and the demo can use them too.
 */
import {readFile, stat} from 'node:fs/promises'

import type {RunningFleet} from './cli.ts'

/** Polls `check` every 25 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const exists = (path: string) => stat(path).then(() => true, () => false)

/** Waits for `path` to appear, failing at once when the fleet run ends first. */
export async function fileWrittenDuring(fleet: RunningFleet, path: string): Promise<void> {
  let ended = false
  fleet.done.then(() => (ended = true), () => (ended = true))
  await until(async () => {
    if (ended) throw new Error(`fleet ended before ${path} appeared\nstdout:\n${fleet.stdout()}\nstderr:\n${fleet.stderr()}`)
    return exists(path)
  }, path)
}

/** `/proc/<pid>/status`, or null once the process is gone. */
export const procStatus = (pid: number) => readFile(`/proc/${pid}/status`, 'utf8').catch(() => null)

/** Neither the process nor its threads have a signal pending: each one sent has been taken. */
export const nonePending = (status: string) => /^SigPnd:\s*0+$/m.test(status) && /^ShdPnd:\s*0+$/m.test(status)

/** Resolves once `pid` has taken every signal sent to it (a Ctrl-C sent is then a Ctrl-C received). */
export async function signalsTaken(pid: number): Promise<void> {
  await until(async () => {
    const status = await procStatus(pid)
    if (status === null) throw new Error(`process ${pid} is gone`)
    return nonePending(status)
  }, `process ${pid} to take its signals`)
}
