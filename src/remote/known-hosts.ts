/**
 * SSH host keys pinned by EC2 instance id, in `$FLEET_HOME/known_hosts`.
 *
 * An instance's public IP changes at every start, so the usual known_hosts
 * keyed by address would either warn every time or be switched off. The
 * instance id survives stop/start and is what fleet pins to.
 *
 * File format, one key per line (like OpenSSH's, with the instance id where
 * OpenSSH puts host names):
 *
 *     # comments and blank lines are kept as they are
 *     i-0123456789abcdef0 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... 2026-05-01T10:00:00.000Z
 *
 * Fields: instance id, key type, base64 key blob, then an optional comment
 * (fleet writes the time it pinned the key). When an id appears more than
 * once, its first line wins. Writers hold `known_hosts.lock`; a first pin is
 * an `O_APPEND` write, a removal rewrites the file and renames it into place.
 */
import {createHash} from 'node:crypto'
import {appendFile, mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'

import {UsageError} from '../errors.js'
import {homePaths} from '../home.js'
import {withFileLock} from '../util/file-lock.js'

export interface HostKey {
  /** e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  type: string
  /** The key blob (SSH wire format), base64. */
  base64: string
}

/** What `pin` found when the file already held another key for the instance. */
export class PinConflict {
  constructor(
    readonly pinned: HostKey,
    readonly offered: HostKey,
  ) {}
}

/** The key of the SSH wire-format blob a server offers (the type is its first field). */
export function hostKeyFromBlob(blob: Buffer): HostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0
  const type = length > 0 && length + 4 <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown'
  return {type, base64: blob.toString('base64')}
}

/** `SHA256:...` as OpenSSH prints it (`ssh-keygen -lf`, the ssh client's warnings). */
export function fingerprintOf(key: HostKey): string {
  const digest = createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64')
  return `SHA256:${digest.replace(/=+$/, '')}`
}

export function sameKey(a: HostKey, b: HostKey): boolean {
  return a.type === b.type && a.base64 === b.base64
}

/** The pinned host keys in one known_hosts file (default `$FLEET_HOME/known_hosts`). */
export class KnownHosts {
  constructor(readonly file: string = homePaths().knownHosts) {}

  /** The key pinned for the instance, or null when none is. */
  async get(instanceId: string): Promise<HostKey | null> {
    return findKey(linesOf(await this.readText()), instanceId)
  }

  /**
   * Pins `key` for the instance. With an existing different pin, nothing is
   * written and a PinConflict is returned, unless `replace` is set.
   */
  async pin(instanceId: string, key: HostKey, {replace = false} = {}): Promise<PinConflict | null> {
    checkInstanceId(instanceId)
    return this.locked(async () => {
      const text = await this.readText()
      const lines = linesOf(text)
      const pinned = findKey(lines, instanceId)
      if (pinned && sameKey(pinned, key)) return null
      if (pinned && !replace) return new PinConflict(pinned, key)
      const line = `${instanceId} ${key.type} ${key.base64} ${new Date().toISOString()}`
      if (pinned) {
        await this.rewrite([...withoutInstance(lines, instanceId), line])
      } else {
        // A hand-edited file may lack its final newline.
        const separator = text === '' || text.endsWith('\n') ? '' : '\n'
        await appendFile(this.file, `${separator}${line}\n`, {flag: 'a', mode: 0o644})
      }
      return null
    })
  }

  /** Removes every key pinned for the instance; true when there was one. */
  async forget(instanceId: string): Promise<boolean> {
    checkInstanceId(instanceId)
    return this.locked(async () => {
      const lines = linesOf(await this.readText())
      const kept = withoutInstance(lines, instanceId)
      if (kept.length === lines.length) return false
      await this.rewrite(kept)
      return true
    })
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.file), {recursive: true, mode: 0o700})
    return withFileLock(`${this.file}.lock`, fn)
  }

  private async readText(): Promise<string> {
    try {
      return await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
      throw error
    }
  }

  /** Write-then-rename, so a reader sees the old file or the new one, never half. */
  private async rewrite(lines: string[]): Promise<void> {
    const temp = `${this.file}.${process.pid}.tmp`
    await writeFile(temp, lines.map((line) => `${line}\n`).join(''), {mode: 0o644})
    await rename(temp, this.file)
  }
}

/** Removes the pinned host key of an instance from `$FLEET_HOME/known_hosts`. */
export function forgetHostKey(instanceId: string, file = homePaths().knownHosts): Promise<boolean> {
  return new KnownHosts(file).forget(instanceId)
}

function linesOf(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

function fieldsOf(line: string): string[] {
  const trimmed = line.trim()
  return trimmed === '' || trimmed.startsWith('#') ? [] : trimmed.split(/\s+/)
}

function findKey(lines: string[], instanceId: string): HostKey | null {
  for (const line of lines) {
    const [id, type, base64] = fieldsOf(line)
    if (id === instanceId && type && base64) return {type, base64}
  }
  return null
}

function withoutInstance(lines: string[], instanceId: string): string[] {
  return lines.filter((line) => fieldsOf(line)[0] !== instanceId)
}

function checkInstanceId(instanceId: string): void {
  // The id is a field of a whitespace-separated line.
  if (!/^[\w.:-]+$/.test(instanceId)) throw new UsageError('BadInstanceId', `Not an instance id: ${JSON.stringify(instanceId)}`)
}
