import {Readable} from 'node:stream'

import type {NodeSSH} from 'node-ssh'
import type {Client, ClientChannel} from 'ssh2'

import {BugError, FleetError, InterruptedError} from '../errors.js'
import {within} from '../util/within.js'
import {sendSignal} from './channel-signal.js'
import {TIMEOUT_EXIT_CODES, withRemoteTimeout, withSudo} from './command-line.js'
import {commandFailedError, commandTimeoutError, connectionLostError} from './remote-errors.js'
import {shellQuote} from './shell-quote.js'
import {type GoneWait, streamLines} from './stream.js'
import type {ExecOptions, ExecResult, FileStat, RemoteShell, RemoteStream, RemoteTarget, StreamOptions} from './types.js'

/** Exit code our file scripts use for "no such file" (sysexits' EX_NOINPUT). */
const MISSING = 66
/** How long past its timeout a command may take before we stop waiting for the host. */
const BACKSTOP_MS = 5000
/** How long dispose() waits for the server to close the connection before dropping it. */
const CLOSE_WAIT_MS = 2000

interface RawResult {
  stdout: Buffer
  stderr: Buffer
  code: number | null
  signal: string | null
}

/** A RemoteShell over one node-ssh connection. Made by `connect`. */
export class SshRemoteShell implements RemoteShell {
  private readonly connection: Client
  private lost: unknown = null
  private disposed = false
  /** True once the connection has ended, closed or failed, for whatever reason. */
  private isGone = false
  private readonly onGone = new Set<() => void>()

  constructor(
    private readonly ssh: NodeSSH,
    readonly target: RemoteTarget,
  ) {
    if (!ssh.connection) throw new BugError('SshNotConnected', 'SshRemoteShell needs a connected NodeSSH')
    this.connection = ssh.connection
    const drop = (why: unknown) => {
      if (!this.disposed) this.lost ??= why
      this.isGone = true
      for (const fire of this.onGone) fire()
      this.onGone.clear()
    }
    // Without an 'error' listener, a connection reset would crash the process.
    this.connection.on('error', (error: Error) => drop(error))
    this.connection.on('end', () => drop(new Error('the server ended the connection')))
    this.connection.on('close', () => drop(new Error('the server closed the connection')))
  }

  isConnected(): boolean {
    return !this.disposed && this.lost === null
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(command, options)
    return {stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8'), code: raw.code, signal: raw.signal}
  }

  async execOrThrow(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(command, options)
    // Some tools (docker, nginx -T) report on stdout: show it when stderr is empty.
    if (result.code !== 0) throw commandFailedError(this.target, command, result.code, result.signal, result.stderr.trim() ? result.stderr : result.stdout)
    return result
  }

  async readFile(path: string, options: {sudo?: boolean} = {}): Promise<Buffer | null> {
    const quoted = shellQuote(path)
    const raw = await this.execRaw(`[ -e ${quoted} ] || exit ${MISSING}; exec cat -- ${quoted}`, options)
    if (raw.code === MISSING) return null
    this.check(raw, `read ${path}`)
    return raw.stdout
  }

  async writeFileInPlace(path: string, content: Buffer | string, options: {sudo?: boolean} = {}): Promise<void> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    // Upload to a private temp file (outside the target's folder, so no
    // `include *.conf` can see it), check every byte arrived, then copy into
    // the target: `cat >` truncates and rewrites the same inode, and keeps
    // its mode and owner.
    const script = [
      'set -e',
      't=$(mktemp "${TMPDIR:-/tmp}/fleet-write.XXXXXX")',
      `trap 'rm -f "$t"' EXIT`,
      'cat > "$t"',
      'n=$(wc -c < "$t")',
      `[ "$n" -eq ${bytes.length} ] || { echo "fleet: received $n of ${bytes.length} bytes" >&2; exit 1; }`,
      `cat -- "$t" > ${shellQuote(path)}`,
    ].join('\n')
    const raw = await this.execRaw(`sh -c ${shellQuote(script)}`, {...options, stdin: bytes})
    this.check(raw, `write ${path}`)
  }

  async stat(path: string, options: {sudo?: boolean} = {}): Promise<FileStat | null> {
    const quoted = shellQuote(path)
    // -L: a symlink's target, the file a write goes to.
    const raw = await this.execRaw(`[ -e ${quoted} ] || exit ${MISSING}; exec stat -L -c '%f %u %g %s %i' -- ${quoted}`, options)
    if (raw.code === MISSING) return null
    this.check(raw, `stat ${path}`)
    const [mode, uid, gid, size, inode] = raw.stdout.toString('utf8').trim().split(' ')
    return {
      mode: Number.parseInt(mode ?? '', 16),
      uid: Number(uid),
      gid: Number(gid),
      size: Number(size),
      inode: Number(inode),
    }
  }

  stream(command: string, options: StreamOptions): RemoteStream {
    this.assertUsable()
    return streamLines(this.ssh, this.withSudo(command, options.sudo), options, {lostError: () => this.lostError(), untilGone: () => this.untilGone()})
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    const gone = this.untilGone()
    this.ssh.dispose()
    // A connection already gone has no 'close' left to wait for; a host that never answers our goodbye is cut off.
    if ((await within(gone.promise, CLOSE_WAIT_MS, 'late')) === 'late') this.connection.destroy()
    gone.release()
  }

  /**
   * Resolves (null) once the connection is gone. Every wait on the host
   * races it: a host that dies (sshd and session killed) may never close a
   * command's channel nor answer a request, and awaiting an event that
   * never comes ends the run mid-await (exit 13). `release` when done waiting.
   */
  private untilGone(): GoneWait {
    if (this.isGone) return {promise: Promise.resolve(null), release: () => {}}
    let fire = () => {}
    const promise = new Promise<null>((resolve) => (fire = () => resolve(null)))
    this.onGone.add(fire)
    return {promise, release: () => this.onGone.delete(fire)}
  }

  private async execRaw(command: string, options: ExecOptions): Promise<RawResult> {
    this.assertUsable()
    const {timeoutMs, signal} = options
    if (signal?.aborted) throw interrupted(command)
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let channel: ClientChannel | undefined
    let abandoned = false
    let stop: () => void = () => {}
    const stopped = new Promise<null>((resolve) => (stop = () => resolve(null)))
    const gone = this.untilGone()
    // The remote `timeout` ends the command on time; this local backstop
    // only fires when the host stops answering.
    const abandon = () => {
      abandoned = true
      if (!channel) return
      sendSignal(channel, 'KILL')
      channel.close()
    }
    const timer = timeoutMs === undefined ? undefined : setTimeout(abandon, timeoutMs + BACKSTOP_MS)
    const onAbort = () => {
      abandon()
      stop()
    }
    signal?.addEventListener('abort', onAbort, {once: true})
    const line = timeoutMs === undefined ? command : withRemoteTimeout(command, timeoutMs)
    const started = Date.now()
    const running = this.ssh.execCommand(this.withSudo(line, options.sudo), {
      stdin: typeof options.stdin === 'string' || options.stdin === undefined ? options.stdin : Readable.from([options.stdin]),
      noTrim: true,
      onChannel: (opened) => {
        channel = opened
        if (abandoned) abandon()
      },
      onStdout: (chunk) => stdout.push(chunk),
      onStderr: (chunk) => stderr.push(chunk),
    })
    try {
      const limited = timeoutMs === undefined ? running : within(running, timeoutMs + 2 * BACKSTOP_MS, null)
      // A connection that dies may never close the command's channel: stop waiting for it then.
      const result = await Promise.race([limited, stopped, gone.promise])
      if (signal?.aborted) throw interrupted(command)
      if (result === null && this.isGone) throw this.lostError() ?? connectionLostError(this.target)
      const remoteTimeout = timeoutMs !== undefined && TIMEOUT_EXIT_CODES.has(result?.code ?? -1) && Date.now() - started >= timeoutMs
      if (abandoned || result === null || remoteTimeout) throw commandTimeoutError(this.target, command, timeoutMs ?? 0)
      const lost = this.lostError()
      if (lost && result.code === null) throw lost
      return {stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), code: result.code, signal: result.signal}
    } catch (error) {
      if (error instanceof FleetError) throw error
      throw this.lostError() ?? connectionLostError(this.target, error)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      gone.release()
    }
  }

  private check(raw: RawResult, what: string): void {
    if (raw.code !== 0) throw commandFailedError(this.target, what, raw.code, raw.signal, raw.stderr.toString('utf8'))
  }

  private withSudo(command: string, sudo = false): string {
    return withSudo(command, this.target.user, sudo)
  }

  private lostError(): Error | null {
    return this.lost === null ? null : connectionLostError(this.target, this.lost)
  }

  private assertUsable(): void {
    if (this.disposed) throw new BugError('SshDisposed', `The SSH session to ${this.target.account} was used after dispose().`)
    const lost = this.lostError()
    if (lost) throw lost
  }
}

function interrupted(command: string): InterruptedError {
  return new InterruptedError('Interrupted', `Interrupted while \`${command.split('\n')[0]}\` was running.`)
}
