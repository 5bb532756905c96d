import {readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import createDebug from 'debug'
import {type Config, NodeSSH} from 'node-ssh'
import type {ServerHostKeyAlgorithm} from 'ssh2'

import {type HostKey, hostKeyFromBlob, type KnownHosts, PinConflict, fingerprintOf, sameKey} from './known-hosts.js'
import {
  classifyConnectError,
  connectError,
  describeTarget,
  hostKeyChangedError,
  isRetryable,
  keyFileError,
  noCredentialsError,
} from './remote-errors.js'
import {SshRemoteShell} from './shell.js'
import type {ConnectOptions, RemoteShell, RemoteTarget} from './types.js'

const debug = createDebug('fleet:remote')

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
const FIRST_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 3000

/**
 * Opens an SSH session to the target, checking its host key against the one
 * pinned for its instance id (pinning it on first use). Retries network
 * failures for `retryForMs` while the instance boots.
 */
export async function connect(target: RemoteTarget, options: ConnectOptions): Promise<RemoteShell> {
  const auth = await authConfig(target, options)
  const started = Date.now()
  const deadline = started + (options.retryForMs ?? 0)
  for (let attempt = 1, backoff = FIRST_BACKOFF_MS; ; attempt++) {
    try {
      return await connectOnce(target, options, auth)
    } catch (error) {
      if (error instanceof HostKeyRefused) {
        throw hostKeyChangedError(target, error.pinned, error.offered, options.knownHosts.file)
      }
      const retry = isRetryable(classifyConnectError(error)) && Date.now() + backoff < deadline
      debug('connect %s attempt %d failed: %s%s', describeTarget(target), attempt, (error as Error).message, retry ? ', retrying' : '')
      if (!retry) throw connectError(target, error, attempt, Date.now() - started)
      await sleep(backoff * (0.75 + Math.random() / 2))
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }
}

/** Connects, runs `fn`, and always disposes of the session. */
export async function withRemote<T>(target: RemoteTarget, options: ConnectOptions, fn: (shell: RemoteShell) => Promise<T>): Promise<T> {
  const shell = await connect(target, options)
  try {
    return await fn(shell)
  } finally {
    await shell.dispose()
  }
}

class HostKeyRefused extends Error {
  constructor(
    readonly pinned: HostKey,
    readonly offered: HostKey,
  ) {
    super('Host key changed')
  }
}

type AuthConfig = Pick<Config, 'privateKey' | 'agent'>

async function authConfig(target: RemoteTarget, options: ConnectOptions): Promise<AuthConfig> {
  if (target.keyFile) {
    try {
      return {privateKey: await readFile(target.keyFile, 'utf8')}
    } catch (error) {
      throw keyFileError(target, error)
    }
  }
  const agent = options.agentSocket ?? process.env.SSH_AUTH_SOCK
  if (!agent) throw noCredentialsError(target)
  return {agent}
}

async function connectOnce(target: RemoteTarget, options: ConnectOptions, auth: AuthConfig): Promise<RemoteShell> {
  const pinned = await options.knownHosts.get(target.instanceId)
  let offered: HostKey | undefined
  const ssh = new NodeSSH()
  try {
    await ssh.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      ...auth,
      readyTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      algorithms: {serverHostKey: hostKeyAlgorithms(pinned)},
      // Checked before authentication, so nothing reaches a host we refuse.
      hostVerifier: (blob: Buffer) => {
        offered = hostKeyFromBlob(blob)
        return !pinned || sameKey(pinned, offered) || options.acceptNewHostKey === true
      },
      keepaliveInterval: 15_000,
    })
  } catch (error) {
    ssh.dispose()
    if (pinned && offered && !sameKey(pinned, offered) && !options.acceptNewHostKey) throw new HostKeyRefused(pinned, offered)
    throw error
  }
  if (!offered) {
    ssh.dispose()
    throw new Error('The server sent no host key')
  }
  await pinAfterConnect(ssh, target, options, pinned, offered)
  // ssh2 leaves Nagle's algorithm on: each command's small packets then wait
  // for delayed ACKs, 80-90 ms a command on loopback. OpenSSH sets
  // TCP_NODELAY as well; with it a command costs what the host takes.
  ssh.connection?.setNoDelay(true)
  debug('connected to %s', describeTarget(target))
  return new SshRemoteShell(ssh, target)
}

/** ssh2's own preference order (lib/protocol/constants.js). */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']

/**
 * A host has several keys (ed25519, ecdsa, rsa); ask first for the type that
 * is pinned, so that a change in preference order never looks like a new key.
 */
function hostKeyAlgorithms(pinned: HostKey | null): ServerHostKeyAlgorithm[] {
  const preferred = pinned?.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : pinned ? [pinned.type] : []
  const known = HOST_KEY_ALGORITHMS.filter((algorithm) => preferred.includes(algorithm))
  return [...known, ...HOST_KEY_ALGORITHMS.filter((algorithm) => !known.includes(algorithm))]
}

/** Trust on first use: the key is recorded once a session is established with it. */
async function pinAfterConnect(ssh: NodeSSH, target: RemoteTarget, options: ConnectOptions, pinned: HostKey | null, offered: HostKey): Promise<void> {
  if (pinned && sameKey(pinned, offered)) return
  const outcome = await options.knownHosts.pin(target.instanceId, offered, {replace: options.acceptNewHostKey === true}).catch((error: unknown) => {
    ssh.dispose()
    throw error
  })
  // Another process pinned a different key between our read and our write.
  if (outcome instanceof PinConflict) {
    ssh.dispose()
    throw hostKeyChangedError(target, outcome.pinned, outcome.offered, options.knownHosts.file)
  }
  debug('pinned host key of %s: %s %s', target.instanceId, offered.type, fingerprintOf(offered))
}
