/**
 * Running the built CLI (`node bin/run.js`, after `npm run build`) as a user
 * would, against moto: a clean environment, a temporary FLEET_HOME and HOME,
 * the hub's test credentials and the run's test keyring.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {stringify} from 'yaml'

import {assertJsonOutput, wantsJson} from './json-output.ts'
import type {Endpoint} from './moto.ts'
import {HUB_CREDENTIALS} from './seed.ts'
import {tempDir} from './temp-dirs.ts'

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = join(REPO_ROOT, 'bin', 'run.js')

/** Variables that would lead the CLI elsewhere than the test's peers. */
const DROPPED = /^(AWS_|FLEET_|MOTO_|HTTPS?_PROXY$|ALL_PROXY$|NO_PROXY$|CI$|DEBUG$)/i

export type FleetEnv = NodeJS.ProcessEnv & {FLEET_HOME: string; HOME: string}

/**
 * The environment for running fleet against `target` (moto or a proxy):
 * AWS_ENDPOINT_URL, AWS_REGION, the hub's AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (for `hub.source: env`), a new FLEET_HOME and HOME in
 * a temporary folder (so ~/.aws and ~/.config are never read; removed after
 * the test file, or when this process exits), no proxy variables, no CI, and the test keyring's
 * DBUS_SESSION_BUS_ADDRESS.
 * `extra` is applied last; an `undefined` value removes a variable.
 */
export function fleetEnv(target: Endpoint, extra: Record<string, string | undefined> = {}): FleetEnv {
  const root = tempDir('fleet-env-')
  const home = join(root, 'home')
  const fleetHome = join(root, 'fleet')
  mkdirSync(home)
  mkdirSync(fleetHome)
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!DROPPED.test(name)) env[name] = value
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    FLEET_HOME: fleetHome,
    AWS_ENDPOINT_URL: target.endpoint,
    AWS_REGION: 'ap-northeast-2',
    AWS_ACCESS_KEY_ID: HUB_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: HUB_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    // Files that do not exist: the real ~/.aws is never consulted.
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    NO_COLOR: '1',
  })
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env as FleetEnv
}

export interface RunFleetOptions {
  env: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed (stdin is never a TTY). */
  input?: string
  cwd?: string
  /** Kill the CLI after this long (default 60 s) and reject with its output. */
  timeoutMs?: number
  /**
   * With `--json`, the run rejects when stdout does not match the command's
   * committed JSON Schema (json-output.ts); false skips that check.
   */
  checkJson?: boolean
  /**
   * A hosts file (its path) that the CLI, and every process it starts, sees
   * as /etc/hosts: the run goes through `unshare --mount` (root) into a mount
   * namespace of its own where the file is bind-mounted over /etc/hosts.
   * This machine's own /etc/hosts is never changed. E.g. to make a name
   * resolve to a "stranger" server, and prove that fleet never asks DNS.
   */
  hosts?: string
}

/** `unshare` and `sh` in front of a command, so that it runs with `hostsFile` as its /etc/hosts. */
export function withHostsFile(hostsFile: string, command: string[]): string[] {
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, ...command]
}

export interface FleetRun {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: NodeJS.Signals | null
}

/** A fleet run in progress: its output so far, a way to signal it (Ctrl-C), and its end. */
export interface RunningFleet {
  readonly pid: number
  stdout(): string
  stderr(): string
  /** Sends a signal (SIGINT is Ctrl-C). */
  kill(signal?: NodeJS.Signals): void
  /** Resolves when the output contains `pattern` (rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>
  done: Promise<FleetRun>
}

/**
 * The one way tests run the built CLI (`node bin/run.js ...args`): started,
 * watched, signalled, awaited. A `--json` run's stdout is checked against
 * the command's JSON Schema (json-output.ts) unless `checkJson: false`.
 */
export function startFleet(args: string[], options: RunFleetOptions): RunningFleet {
  if (!existsSync(join(REPO_ROOT, 'dist', 'commands'))) {
    throw new Error('dist/commands is missing: run `npm run build` before these tests (npm test does)')
  }
  // With `hosts`, sh execs node: the pid and signals are the CLI's.
  const [command, ...commandArgs] = options.hosts ? withHostsFile(options.hosts, [process.execPath, BIN, ...args]) : [process.execPath, BIN, ...args]
  const child = spawn(command!, commandArgs, {cwd: options.cwd ?? REPO_ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const done = new Promise<FleetRun>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 60_000
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`fleet ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer)
      // A run killed by a signal (SIGKILL) never finished its output.
      if (signal === null && options.checkJson !== false && wantsJson(args)) {
        try {
          assertJsonOutput(args, stdout)
        } catch (error) {
          reject(error)
          return
        }
      }
      resolve({stdout, stderr, exitCode, signal})
    })
  })
  // A closed pipe (EPIPE) when the CLI exits without reading stdin is fine.
  child.stdin.on('error', () => {})
  child.stdin.end(options.input ?? '')
  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal = 'SIGINT') => void child.kill(signal),
    async waitForOutput(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(stdout + stderr)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`fleet ${args.join(' ')}: no ${pattern} in its output\nstdout:\n${stdout}\nstderr:\n${stderr}`)
        }
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    done,
  }
}

/** Runs the built CLI to its end and collects its output and exit code. */
export function runFleet(args: string[], options: RunFleetOptions): Promise<FleetRun> {
  try {
    return startFleet(args, options).done
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * Writes a profile to `<dir>/<name>.yaml` (default name `test`) from YAML
 * text or an object (turned into YAML); returns the file's path, which
 * `--profile` accepts as is.
 */
export async function writeProfile(dir: string, profile: string | object, name = 'test'): Promise<string> {
  const file = join(dir, `${name}.yaml`)
  await writeFile(file, typeof profile === 'string' ? profile : stringify(profile))
  return file
}
