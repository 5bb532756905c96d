/**
 * A private Secret Service for tests and the bench: its own D-Bus session
 * bus and a gnome-keyring-daemon whose HOME and data folders are temporary,
 * so the real user's keyring is never touched. keytar (libsecret) finds it
 * through DBUS_SESSION_BUS_ADDRESS.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {requireBinary, stopChild, tail, track, waitForOutput} from './process.ts'

const run = promisify(execFile)
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const INSTALL = 'apt-get install dbus gnome-keyring libsecret-1-0 (Debian)'

export interface Keyring {
  /** The private bus: `unix:path=...`. */
  busAddress: string
  /** What a process needs in its environment to use this keyring. */
  env: {DBUS_SESSION_BUS_ADDRESS: string}
  /** Temporary folder holding the bus socket, the keyring files and a HOME. */
  dir: string
  /** Stops the keyring daemon and the bus, and removes `dir`. */
  stop(): Promise<void>
}

/**
 * Starts dbus-daemon and gnome-keyring-daemon (secrets component, login
 * keyring unlocked with an empty password) and resolves once a keytar
 * set/get/delete round-trip works. Throws, naming what is missing, when it
 * cannot: keyring tests must fail, not skip.
 */
export async function startKeyring(): Promise<Keyring> {
  const dbusDaemon = requireBinary('dbus-daemon', INSTALL)
  const keyringDaemon = requireBinary('gnome-keyring-daemon', INSTALL)
  const dir = await mkdtemp(join(tmpdir(), 'fleet-keyring-'))
  const children: ChildProcess[] = []
  const stop = async () => {
    // Keyring first: it should not see its bus vanish under it.
    for (const child of children.reverse()) await stopChild(child)
    await rm(dir, {recursive: true, force: true})
  }
  try {
    const busAddress = await startBus(dbusDaemon, dir, children)
    await startKeyringDaemon(keyringDaemon, dir, busAddress, children)
    const env = {DBUS_SESSION_BUS_ADDRESS: busAddress}
    await waitUntilKeytarWorks(env, children)
    return {busAddress, env, dir, stop}
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Deletes every keytar entry of `service` (e.g. `fleet-session`) in the
 * keyring that `env` points at; returns how many were deleted. Runs keytar
 * in a child process, so the caller never binds libsecret to a bus.
 */
export async function deleteAllSecrets(env: Keyring['env'], service: string): Promise<number> {
  const out = await keytarInChild(
    env,
    `const found = await keytar.findCredentials(process.env.SERVICE);
     for (const c of found) await keytar.deletePassword(process.env.SERVICE, c.account);
     console.log(found.length)`,
    {SERVICE: service},
  )
  return Number(out.trim())
}

async function startBus(binary: string, dir: string, children: ChildProcess[]): Promise<string> {
  const config = join(dir, 'bus.conf')
  // A bus with no service folders: nothing is auto-started on it, so no
  // second keyring daemon with the wrong HOME can appear.
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  )
  const child = track(
    spawn(binary, [`--config-file=${config}`, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: isolatedEnv(dir),
    }),
  )
  children.push(child)
  tail(child)
  const match = await waitForOutput(child, /^(unix:\S+)\s*$/m, 'dbus-daemon', 10_000)
  return match[1] as string
}

async function startKeyringDaemon(
  binary: string,
  dir: string,
  busAddress: string,
  children: ChildProcess[],
): Promise<void> {
  const runtime = join(dir, 'run')
  await mkdir(runtime, {mode: 0o700})
  const child = track(
    spawn(binary, ['--foreground', '--unlock', '--components=secrets', `--control-directory=${runtime}`], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {...isolatedEnv(dir), DBUS_SESSION_BUS_ADDRESS: busAddress, XDG_RUNTIME_DIR: runtime},
    }),
  )
  children.push(child)
  const output = tail(child)
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`gnome-keyring-daemon exited ${code}:\n${output()}\n`)
  })
  // The login keyring's password, read from stdin: empty. Without the
  // newline (bare EOF) no login keyring is created and keytar fails.
  child.stdin?.end('\n')
}

/** The environment of the daemons: temporary HOME and XDG folders only. */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    HOME: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
  }
}

async function waitUntilKeytarWorks(env: Keyring['env'], children: ChildProcess[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  while (Date.now() < deadline) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null)
    if (dead) throw new Error(`${dead.spawnfile} exited while the keyring was starting`)
    try {
      const out = await keytarInChild(
        env,
        `await keytar.setPassword('fleet-harness-probe', 'probe', 'ok');
         const got = await keytar.getPassword('fleet-harness-probe', 'probe');
         await keytar.deletePassword('fleet-harness-probe', 'probe');
         console.log(got)`,
      )
      if (out.trim() === 'ok') return
      lastError = `round-trip returned ${JSON.stringify(out)}`
    } catch (error) {
      lastError = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`The test Secret Service did not answer a keytar round-trip within ${timeoutMs} ms: ${lastError}`)
}

/** Runs an ESM snippet with `keytar` in scope in a child node; returns its stdout. */
async function keytarInChild(env: Keyring['env'], body: string, extra: Record<string, string> = {}): Promise<string> {
  const script = `const keytar = (await import('keytar')).default;\n${body}`
  const {stdout} = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, ...env, ...extra},
    timeout: 10_000,
  })
  return stdout
}
