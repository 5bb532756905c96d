/**
 * Small helpers for the long-running peers the harness starts (moto_server,
 * dbus-daemon, gnome-keyring-daemon): find the binary or fail loudly, wait
 * for a line of output, and stop the process for sure, even when the test
 * process exits without running its teardown.
 */
import {type ChildProcess} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/** Remembers `child` so that it is killed when this process exits. */
export function track(child: ChildProcess): ChildProcess {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // Synchronous by necessity: an 'exit' listener cannot wait.
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL')
    })
  }
  return child
}

/** Stops `child` with SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/**
 * The absolute path of `name` on PATH, or an Error naming what to install.
 * Missing peers must fail the run, never skip tests quietly.
 */
export function requireBinary(name: string, install: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this folder
    }
  }
  throw new Error(`${name} is not on PATH; the tests need it. Install it: ${install}`)
}

/**
 * Resolves with the first match of `pattern` in what `child` prints (stdout
 * and stderr), or rejects when the child exits first or `timeoutMs` passes;
 * the rejection carries the output so far.
 */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = ''
    const done = (error?: Error, match?: RegExpMatchArray) => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      child.off('error', onError)
      if (error) reject(error)
      else resolve(match as RegExpMatchArray)
    }
    const onData = (chunk: Buffer | string) => {
      output += chunk.toString()
      const match = output.match(pattern)
      if (match) done(undefined, match)
    }
    const onExit = (code: number | null, signal: string | null) =>
      done(new Error(`${what} exited (${code ?? signal}) before it was ready. Output:\n${output}`))
    const onError = (error: Error) => done(new Error(`${what} could not start: ${error.message}`))
    const timer = setTimeout(
      () => done(new Error(`${what} was not ready after ${timeoutMs} ms. Output:\n${output}`)),
      timeoutMs,
    )
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', onError)
  })
}

/** Keeps the last `max` characters a child prints, for error messages. */
export function tail(child: ChildProcess, max = 4000): () => string {
  let text = ''
  const add = (chunk: Buffer | string) => {
    text = (text + chunk.toString()).slice(-max)
  }
  child.stdout?.on('data', add)
  child.stderr?.on('data', add)
  return () => text
}
