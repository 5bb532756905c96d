import type {KnownHosts} from './known-hosts.js'

/** One account's instance, as fleet reaches it over SSH. */
export interface RemoteTarget {
  /** The profile's account name (used in messages: `accounts.<account>.ssh`). */
  account: string
  /** The EC2 instance id: the host key is pinned to it, not to the address. */
  instanceId: string
  host: string
  port: number
  user: string
  /** A private key file (no passphrase). Without one, ssh-agent (`SSH_AUTH_SOCK`) is used. */
  keyFile?: string
}

export interface ConnectOptions {
  knownHosts: KnownHosts
  /** Per attempt: TCP connect, handshake and authentication (default 10 s). */
  connectTimeoutMs?: number
  /**
   * Keep retrying refused/timed-out connections and dropped handshakes for
   * this long, with backoff, while a just-started instance boots (default 0:
   * one attempt). Authentication failures and host-key changes never retry.
   */
  retryForMs?: number
  /** Replace a pinned host key that changed (the user asked for it). */
  acceptNewHostKey?: boolean
  /** The ssh-agent socket when the target has no key file (default `$SSH_AUTH_SOCK`). */
  agentSocket?: string
}

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. */
  stdin?: string | Buffer
  /** Kill the command and fail after this long (default: no limit). */
  timeoutMs?: number
  /** Run through `sudo -n` (skipped when the target user is root). */
  sudo?: boolean
  /** Aborting it abandons the command (its channel is killed and closed) and the call throws InterruptedError. */
  signal?: AbortSignal
}

export interface ExecResult {
  stdout: string
  stderr: string
  /** The exit code; null when the command died of a signal. */
  code: number | null
  signal: string | null
}

export interface FileStat {
  /** `st_mode`: type and permission bits (`mode & 0o7777` for the permissions). */
  mode: number
  uid: number
  gid: number
  size: number
  inode: number
}

export interface StreamOptions {
  /**
   * Run on a pseudo-terminal: `stop()` then ends the remote command as Ctrl-C
   * and a hang-up would. stdout and stderr arrive merged as 'stdout'.
   */
  pty?: boolean
  sudo?: boolean
  /** Called once per line, without its line ending. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
}

export interface StreamEnd {
  code: number | null
  signal: string | null
  /** True when `stop()` ended it. */
  stopped: boolean
}

export interface RemoteStream {
  /** Settles when the remote command ends; rejects when the connection is lost. */
  done: Promise<StreamEnd>
  /** Ends the remote command (Ctrl-C, then closes the channel) and waits for it. */
  stop(): Promise<void>
}

/** A connected SSH session to one target. Dispose it (or use `withRemote`). */
export interface RemoteShell {
  readonly target: RemoteTarget
  /** False once the connection was lost or disposed: a new session is needed. */
  isConnected(): boolean
  /** Runs a shell command line; a non-zero exit is a result, not an error. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>
  /** Like `exec`, but a non-zero exit throws `RemoteCommandFailed`. */
  execOrThrow(command: string, options?: ExecOptions): Promise<ExecResult>
  /** The file's bytes, or null when it does not exist. */
  readFile(path: string, options?: {sudo?: boolean}): Promise<Buffer | null>
  /**
   * Replaces the file's content in place: same inode, mode and owner (what a
   * single-file Docker bind mount needs). The bytes are uploaded to a temp
   * file first, so the target is only truncated once they are all there.
   */
  writeFileInPlace(path: string, content: Buffer | string, options?: {sudo?: boolean}): Promise<void>
  /** null when the path does not exist. */
  stat(path: string, options?: {sudo?: boolean}): Promise<FileStat | null>
  /** Runs a long command (logs, `tail -f`) and hands over its output line by line. */
  stream(command: string, options: StreamOptions): RemoteStream
  dispose(): Promise<void>
}
