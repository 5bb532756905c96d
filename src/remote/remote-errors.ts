/**
 * SSH failures, translated at the SSH door into fleet's errors with messages
 * that say which account and address, and what to check. Key material never
 * appears in them: only the key file's path.
 */
import {ExternalError, type FleetError, UsageError} from '../errors.js'
import {redact} from '../output/redact.js'
import {fingerprintOf, type HostKey} from './known-hosts.js'
import type {RemoteTarget} from './types.js'

/** `app-1 (i-0abc, ec2-user@3.4.5.6:22)` */
export function describeTarget(target: RemoteTarget): string {
  return `${target.account} (${target.instanceId}, ${target.user}@${target.host}:${target.port})`
}

export type ConnectFailure = 'unreachable' | 'dns' | 'auth' | 'agent' | 'key'

/** Sorts an error ssh2/node-ssh raised while connecting. */
export function classifyConnectError(error: unknown): ConnectFailure {
  const {level, code, message} = error as {level?: string; code?: string; message?: string}
  const text = message ?? ''
  if (level === 'client-authentication' || /authentication methods failed/i.test(text)) return 'auth'
  if (level === 'agent') return 'agent'
  if (/privateKey|private key|passphrase/i.test(text)) return 'key'
  if (level === 'client-dns' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  return 'unreachable'
}

/** Only network trouble is worth retrying while an instance boots. */
export function isRetryable(failure: ConnectFailure): boolean {
  return failure === 'unreachable'
}

export function connectError(target: RemoteTarget, error: unknown, attempts: number, elapsedMs: number): FleetError {
  const where = describeTarget(target)
  const reason = (error as Error)?.message ?? String(error)
  const sshKeys = `accounts.${target.account}.ssh`
  switch (classifyConnectError(error)) {
    case 'auth':
      return new ExternalError(
        'SshAuthFailed',
        `${target.user}@${target.host}:${target.port} (account ${target.account}) refused ${keyName(target)}.`,
        {
          cause: error,
          nextSteps: [
            `Check ${sshKeys}.user (ec2-user on Amazon Linux, ubuntu on Ubuntu) and ${sshKeys}.key (the key pair the instance was launched with).`,
          ],
        },
      )
    case 'agent':
      return new ExternalError('SshAuthFailed', `ssh-agent could not be used for ${where}: ${reason}.`, {
        cause: error,
        nextSteps: [`Start ssh-agent and ssh-add the key, or set ${sshKeys}.key to a key file.`],
      })
    case 'key':
      return new UsageError('SshKeyUnreadable', `The SSH key ${target.keyFile ?? ''} for ${where} cannot be used: ${reason}.`, {
        cause: error,
        nextSteps: [
          `Point ${sshKeys}.key at an unencrypted private key (OpenSSH or PEM), or load an encrypted one into ssh-agent and remove ${sshKeys}.key.`,
        ],
      })
    case 'dns':
      return new ExternalError('SshUnreachable', `Cannot resolve ${target.host} for ${where}: ${reason}.`, {
        cause: error,
        nextSteps: [`Check ${sshKeys}.host.`],
      })
    case 'unreachable': {
      const tried = attempts > 1 ? ` (${attempts} attempts over ${Math.round(elapsedMs / 1000)} s)` : ''
      return new ExternalError('SshUnreachable', `Cannot reach ${where} over SSH: ${reason}${tried}.`, {
        cause: error,
        nextSteps: [
          `Check that instance ${target.instanceId} is running and that its security group admits TCP ${target.port} from this machine.`,
          `If sshd listens elsewhere, set ${sshKeys}.host / ${sshKeys}.port.`,
        ],
      })
    }
  }
}

export function hostKeyChangedError(target: RemoteTarget, pinned: HostKey, offered: HostKey, knownHostsFile: string): FleetError {
  return new ExternalError(
    'HostKeyChanged',
    [
      `The SSH host key of instance ${target.instanceId} (account ${target.account}, ${target.host}:${target.port}) is not the one pinned in ${knownHostsFile}.`,
      `  pinned:  ${pinned.type} ${fingerprintOf(pinned)}`,
      `  offered: ${offered.type} ${fingerprintOf(offered)}`,
      'Nothing was sent to the host. A rebuilt or re-imaged instance gets a new key; anything else may be someone in the middle.',
    ].join('\n'),
    {
      nextSteps: [
        `If you expect the change, forget the old key: fleet hosts forget ${target.instanceId} (or re-run with --accept-new-host-key).`,
      ],
    },
  )
}

export function noCredentialsError(target: RemoteTarget): FleetError {
  return new UsageError('SshNoKey', `No SSH key for ${describeTarget(target)}: accounts.${target.account}.ssh.key is not set and no ssh-agent is running (SSH_AUTH_SOCK is empty).`, {
    nextSteps: [`Set accounts.${target.account}.ssh.key, or start ssh-agent and ssh-add the key.`],
  })
}

export function keyFileError(target: RemoteTarget, error: unknown): FleetError {
  const code = (error as NodeJS.ErrnoException).code
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code})`
  return new UsageError('SshKeyUnreadable', `The SSH key file ${target.keyFile} for ${target.account} ${why}.`, {
    cause: error,
    nextSteps: [`Check accounts.${target.account}.ssh.key.`],
  })
}

export function commandFailedError(target: RemoteTarget, command: string, code: number | null, signal: string | null, stderr: string): FleetError {
  const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with ${code}`
  const tail = lastLines(stderr, 10)
  return new ExternalError(
    'RemoteCommandFailed',
    redact(`\`${shorten(command)}\` ${how} on ${describeTarget(target)}${tail ? `:\n${tail}` : '.'}`),
  )
}

export function commandTimeoutError(target: RemoteTarget, command: string, timeoutMs: number): FleetError {
  return new ExternalError('RemoteCommandTimeout', redact(`\`${shorten(command)}\` did not finish within ${timeoutMs} ms on ${describeTarget(target)}; it was stopped.`))
}

export function connectionLostError(target: RemoteTarget, cause?: unknown): FleetError {
  const reason = cause instanceof Error ? `: ${cause.message}` : ''
  return new ExternalError('SshConnectionLost', `The SSH connection to ${describeTarget(target)} was lost${reason}.`, {cause})
}

function keyName(target: RemoteTarget): string {
  return target.keyFile ? `the key ${target.keyFile}` : 'every key ssh-agent offered'
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n')
}

function shorten(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim()
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine
}
