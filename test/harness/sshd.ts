/**
 * A real OpenSSH `sshd` for tests: its own host key, an authorized client
 * key, loopback addresses only, a free high port. It runs as the current user
 * (root on CI), and clients log in as that same user.
 *
 * Every sshd runs in a mount namespace of its own (`unshare --mount`, root)
 * where the machine's shell start-up files (`/etc/bash.bashrc`, the login
 * user's `~/.bashrc`, `~/.profile`, ...) are masked by `/dev/null`: bash,
 * started by sshd for each command, reads `~/.bashrc`, which on these
 * machines runs `pyenv init` (half a second a command). An EC2 host's shell
 * starts in milliseconds; so does a rig host's.
 *
 * sshd refuses SSH signal requests in root sessions: that still differs from
 * an EC2 host's `ec2-user`. Set FLEET_SSHD_LOGLEVEL=DEBUG2 to see what sshd
 * does (`sshd.log()`).
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {existsSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {stopChild, track} from './process.ts'

const run = promisify(execFile)
const SSHD = '/usr/sbin/sshd'

export interface StartSshdOptions {
  /** Loopback addresses to listen on (default `['127.0.0.1']`); all of 127/8 works on Linux `lo`. */
  addresses?: string[]
  /** A port to use instead of a free one picked now. */
  port?: number
  /** Host key types, in sshd's order (default `['ed25519']`); `hostKeyFile` is the first. */
  hostKeyTypes?: HostKeyType[]
  /**
   * Folders this "host" sees in place of others: sshd runs in a mount
   * namespace of its own (`unshare --mount`, root) where each `source` is
   * bind-mounted on `target`, so several sshds stand for hosts whose files
   * sit at the same path (e.g. each app server's `.env`). `target` must exist.
   */
  binds?: Array<{source: string; target: string}>
  /**
   * Let sessions read the shell start-up files (default false: masked). Only
   * the harness test that proves the masking sets it.
   */
  readShellStartup?: boolean
}

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa'

export interface Sshd {
  /** The first address: where clients connect. */
  host: string
  addresses: string[]
  port: number
  /** The user to log in as (the user running the tests). */
  user: string
  /** Private key (OpenSSH format, no passphrase) that the server accepts. */
  clientKeyFile: string
  clientPublicKey: string
  /** The host's (first) private key file; its `.pub` sits beside it. */
  hostKeyFile: string
  /** Every host key file, by type. */
  hostKeyFiles: Partial<Record<HostKeyType, string>>
  /** `ssh-ed25519 AAAA...` of the current (first) host key, or of the given type. */
  hostPublicKey(type?: HostKeyType): Promise<string>
  /** The folder holding config, keys and pid file. */
  dir: string
  /** The listening sshd's pid (its children serve the open sessions), or undefined when stopped. */
  pid(): number | undefined
  /** Everything sshd printed so far (it runs with `-e`), for failing tests. */
  log(): string
  /** Starts sshd again on the same port with the same keys (after `stop`). */
  start(): Promise<void>
  /** Restarts sshd with a freshly generated host key. */
  regenerateHostKey(): Promise<void>
  /** Stops the listening sshd; sessions already open run on, as after a real restart. */
  stop(): Promise<void>
  /** Stops sshd and removes its folder. */
  dispose(): Promise<void>
}

export async function startSshd(options: StartSshdOptions = {}): Promise<Sshd> {
  const addresses = options.addresses ?? ['127.0.0.1']
  const host = addresses[0] ?? '127.0.0.1'
  // The privilege-separation dir sshd insists on.
  await mkdir('/run/sshd', {recursive: true, mode: 0o755})
  const dir = await mkdtemp(join(tmpdir(), 'fleet-sshd-'))
  const hostKeyTypes = options.hostKeyTypes ?? ['ed25519']
  const hostKeyFiles: Partial<Record<HostKeyType, string>> = Object.fromEntries(hostKeyTypes.map((type) => [type, join(dir, `host_${type}`)]))
  const hostKeyFile = join(dir, `host_${hostKeyTypes[0] ?? 'ed25519'}`)
  const clientKeyFile = join(dir, 'client_ed25519')
  const makeHostKeys = () => Promise.all(hostKeyTypes.map((type) => keygen(join(dir, `host_${type}`), 'fleet-test-host', type)))
  await makeHostKeys()
  await keygen(clientKeyFile, 'fleet-test-client')
  const clientPublicKey = (await readFile(`${clientKeyFile}.pub`, 'utf8')).trim()
  await writeFile(join(dir, 'authorized_keys'), `${clientPublicKey}\n`, {mode: 0o600})

  let port = options.port ?? (await freePort(host))
  let child: ChildProcess | undefined
  let output = ''

  const launch = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      await writeFile(join(dir, 'sshd_config'), sshdConfig(dir, port, addresses, hostKeyTypes.map((type) => join(dir, `host_${type}`))))
      const binds = [...(options.binds ?? []), ...(options.readShellStartup ? [] : shellStartupMasks())]
      const started = await spawnSshd(join(dir, 'sshd_config'), addresses.length, (text) => (output += text), binds)
      if (started.ok) {
        child = started.child
        return
      }
      // Another process took the port between picking and binding: pick again.
      if (options.port === undefined && attempt < 5 && /Address already in use/.test(started.log)) {
        port = await freePort(host)
        continue
      }
      throw new Error(`sshd did not start:\n${started.log}`)
    }
  }

  const stop = async (): Promise<void> => {
    const running = child
    child = undefined
    if (running) await stopChild(running)
  }

  await launch()
  return {
    host,
    addresses,
    get port() {
      return port
    },
    user: userInfo().username,
    clientKeyFile,
    clientPublicKey,
    hostKeyFile,
    hostKeyFiles,
    hostPublicKey: async (type) => (await readFile(`${type ? join(dir, `host_${type}`) : hostKeyFile}.pub`, 'utf8')).trim(),
    dir,
    pid: () => child?.pid,
    log: () => output,
    start: launch,
    async regenerateHostKey() {
      await stop()
      for (const type of hostKeyTypes) {
        await rm(join(dir, `host_${type}`), {force: true})
        await rm(join(dir, `host_${type}.pub`), {force: true})
      }
      await makeHostKeys()
      await launch()
    },
    stop,
    async dispose() {
      await stop()
      await rm(dir, {recursive: true, force: true})
    },
  }
}

function sshdConfig(dir: string, port: number, addresses: string[], hostKeyFiles: string[]): string {
  return [
    `Port ${port}`,
    ...addresses.map((address) => `ListenAddress ${address}`),
    ...hostKeyFiles.map((file) => `HostKey ${file}`),
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    // No ~/.ssh/rc either: a rig host runs the command it is given, nothing else.
    'PermitUserRC no',
    // Tests open many sessions at once; the default (10:30:100) drops some.
    'MaxStartups 200',
    'MaxSessions 100',
    'Subsystem sftp internal-sftp',
    `LogLevel ${process.env.FLEET_SSHD_LOGLEVEL ?? 'INFO'}`,
    '',
  ].join('\n')
}

type Spawned = {ok: true; child: ChildProcess} | {ok: false; log: string}

/**
 * The shell start-up files bash reads for a command sshd runs (as Debian
 * builds it: the system and user bashrc even for a non-interactive shell
 * started by sshd) or for a login shell, each masked by `/dev/null`; only
 * those that exist can be, and need to be.
 */
export function shellStartupMasks(home = userInfo().homedir): Array<{source: string; target: string}> {
  const files = ['/etc/bash.bashrc', '/etc/profile', ...['.bashrc', '.bash_profile', '.bash_login', '.profile'].map((name) => join(home, name))]
  return files.filter((file) => existsSync(file)).map((target) => ({source: '/dev/null', target}))
}

/** Starts sshd in a mount namespace of its own with `binds` mounted; resolves once it listens on every address, or has died. */
function spawnSshd(config: string, listeners: number, onOutput: (text: string) => void, binds: Array<{source: string; target: string}>): Promise<Spawned> {
  return new Promise((resolve) => {
    const args = ['-D', '-e', '-f', config]
    // unshare execs sh, which execs sshd: the child's pid stays sshd's.
    const mounts = binds.map((_b, i) => `mount --bind "\${${2 * i + 1}}" "\${${2 * i + 2}}"`).join(' && ')
    const script = `${mounts} && shift ${2 * binds.length} && exec "$@"`
    const unshare = ['--mount', '--propagation', 'private', '--', 'sh', '-c', binds.length === 0 ? 'exec "$@"' : script, 'sh', ...binds.flatMap((b) => [b.source, b.target]), SSHD, ...args]
    const child = track(spawn('unshare', unshare, {stdio: ['ignore', 'ignore', 'pipe']}))
    let log = ''
    let listening = 0
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve({ok: false, log: `${log}\n(timed out waiting for sshd to listen)`})
    }, 10_000)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => {
      log += text
      onOutput(text)
      listening += text.match(/Server listening on/g)?.length ?? 0
      if (listening >= listeners) {
        clearTimeout(timer)
        resolve({ok: true, child})
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      resolve({ok: false, log: `${log}\n${error.message} (install openssh-server)`})
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ok: false, log: `${log}\n(sshd exited: ${code ?? signal})`})
    })
  })
}

async function keygen(file: string, comment: string, type: HostKeyType = 'ed25519'): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', file])
}

/** A port free right now on `host` (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}
