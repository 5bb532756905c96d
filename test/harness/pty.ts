/**
 * The built CLI on a real terminal: util-linux `script` gives it a pseudo
 * terminal (stdin, stdout and stderr are TTYs), as a person's shell would.
 * What it wrote to the terminal comes back as one string (stdout and stderr
 * together, with the terminal's \r\n).
 */
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {requireBinary, stopChild, track} from './process.ts'

const BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'run.js')

export interface PtyRun {
  output: string
  exitCode: number | null
}

export interface PtyOptions {
  env: NodeJS.ProcessEnv
  cwd?: string
  /** Stop the run (SIGTERM to the terminal's processes) once the output matches, e.g. a prompt. */
  until?: RegExp
  timeoutMs?: number
}

/** Runs `fleet ...args` on a pseudo terminal until it exits (or `until` matches). */
export function runFleetOnPty(args: string[], options: PtyOptions): Promise<PtyRun> {
  const script = requireBinary('script', 'apt-get install bsdutils (util-linux)')
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ')
  // -q quiet, -f flush as written, -e the command's exit code, -c the command; no typescript file.
  const child = track(spawn(script, ['-qfec', command, '/dev/null'], {cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe']}))
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    output += text
    if (options.until?.test(output)) void stopChild(child)
  })
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error(`fleet ${args.join(' ')} on a terminal did not finish in ${options.timeoutMs ?? 30_000} ms:\n${output}`))
    }, options.timeoutMs ?? 30_000)
    child.once('error', reject)
    child.once('close', (exitCode) => {
      clearTimeout(timer)
      resolve({output, exitCode})
    })
  })
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}
