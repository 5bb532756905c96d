import {posix} from 'node:path'

import {
  classifyEnv,
  type DbUrlMode,
  type DbUrls,
  decodeEnvFile,
  type EnvEncoding,
  encodeEnvFile,
  maskedEnvDiff,
  setEnvUrl,
  urlModeOf,
} from '../envfile/index.js'
import {ExternalError, type FleetError, InterruptedError, rewordError, toErrorInfo} from '../errors.js'
import {describeTarget, type RemoteShell, shellQuote} from '../remote/index.js'
import {type EditHost, type EditStep, safeEdit} from '../remote/safe-edit.js'
import {remoteTimeoutMs} from '../remote/timeouts.js'
import {maskSecrets} from '../text/mask.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import type {RdsServerResult} from './types.js'

/** What one app server's `.env` must become, and how to make it live. */
export interface EnvJob {
  /** rds.envFile, as the host sees it. */
  envFile: string
  /** rds.key */
  key: string
  urls: DbUrls
  want: keyof DbUrls
  /** Replace a value that is neither URL (`--force`). */
  force: boolean
  /** apps.restart */
  restart: string
  /** Restart even when the file is already right (shared mode, once the flag has changed). */
  restartAnyway: boolean
  dryRun: boolean
}

/** The `.env` as read from the host. */
export interface EnvOnHost {
  bytes: Buffer
  text: string
  encoding: EnvEncoding
  mode: DbUrlMode
  /** An earlier run wrote the file but was cut short before the app restarted. */
  pending: boolean
}

/** What a server result holds besides its account and instance. */
export type HostOutcome = Omit<RdsServerResult, 'account' | 'instanceId'>

/** Exists from the first write until the app runs on the new `.env` (src/remote/safe-edit.ts). */
export function pendingMarkerOf(envFile: string): string {
  return `${envFile}.fleet-pending`
}

/**
 * Reads the `.env` and tells which URL it holds. A file that does not exist
 * is an error (fleet switches the file the app reads; it never creates
 * one), as are two active key lines or a quote left open.
 */
export async function readEnvOnHost(sh: RemoteShell, envFile: string, key: string, urls: DbUrls): Promise<EnvOnHost> {
  const bytes = await sh.readFile(envFile)
  if (bytes === null) {
    throw new ExternalError('EnvFileMissing', `rds.envFile ${envFile} does not exist on ${describeTarget(sh.target)}: fleet switches the .env the app reads, it never creates one.`, {
      nextSteps: ['Set rds.envFile to the .env file the app reads, as the host sees it (for docker compose: beside the compose file).'],
    })
  }
  const {text, encoding} = decodeEnvFile(bytes)
  const found = classifyEnv(text, key, urls)
  if (!found.ok) throw where(found.error, envFile, sh)
  const pending = (await sh.stat(pendingMarkerOf(envFile))) !== null
  return {bytes, text, encoding, mode: found.mode, pending}
}

/** `status`: which URL the server's `.env` holds now; nothing is changed. */
export async function inspectOnHost(sh: RemoteShell, envFile: string, key: string, urls: DbUrls): Promise<HostOutcome> {
  const env = await readEnvOnHost(sh, envFile, key, urls)
  const warnings = env.pending ? ['an earlier run was cut short between writing this .env and restarting the app: the app may still use the old URL'] : []
  return {dbUrlMode: env.mode, before: env.mode, restarted: false, outcome: 'unchanged', diff: '', pending: env.pending, warnings, ok: true, error: null}
}

/**
 * Points one server's `.env` at `job.want` and restarts the app, through the
 * shared safe edit: backup, in-place write (same inode, mode and owner),
 * apps.restart; if the restart fails, the old `.env` is written back and
 * apps.restart runs again. A file already right is left alone, and the app
 * is restarted only when something changed (or `restartAnyway`).
 */
export async function switchOnHost(host: EditHost, job: EnvJob, cancel: Cancel = uninterruptible): Promise<HostOutcome> {
  const sh = host.shell
  const env = await readEnvOnHost(sh, job.envFile, job.key, job.urls)
  const edit = setEnvUrl(env.text, job.key, job.want, job.urls, {force: job.force})
  if (!edit.ok) throw where(edit.error, job.envFile, sh)
  const warnings = [...edit.warnings]
  if (env.pending) warnings.push('an earlier run was cut short between writing this .env and restarting the app; the app is restarted now')
  const after = edit.changed ? urlModeOf(job.urls[job.want], job.urls) : env.mode
  const base: HostOutcome = {dbUrlMode: env.mode, before: env.mode, restarted: false, outcome: 'unchanged', diff: '', pending: env.pending, warnings, ok: true, error: null}
  if (!edit.changed && !job.restartAnyway && !env.pending) return base
  const diff = edit.changed ? maskedEnvDiff(job.envFile, env.text, edit.text, job.key) : ''
  if (edit.changed) await assertWritable(sh, job.envFile)
  const outcome = edit.changed ? 'switched' : 'restarted'
  if (job.dryRun) return {...base, outcome, diff}

  const files = edit.changed ? [{path: job.envFile, before: env.bytes, after: encodeEnvFile(edit.text, env.encoding)}] : []
  const done = await safeEdit(host, {files, activate: restartStep(job.restart), pendingMarker: pendingMarkerOf(job.envFile)}, cancel)
  if (!done.error) return {...base, dbUrlMode: after, restarted: true, outcome, diff}
  if (done.error instanceof InterruptedError && !done.activated) throw done.error
  const unknown = done.error.code === 'RestoreIncomplete'
  return {
    ...base,
    dbUrlMode: unknown ? null : env.mode,
    restarted: done.activated && !unknown,
    outcome: unknown ? 'unknown' : done.activated ? 'restored' : 'failed',
    diff,
    ok: false,
    error: toErrorInfo(done.error),
  }
}

/** apps.restart as the activate step of the safe edit (and, after a restore, its re-activate). */
function restartStep(command: string): EditStep {
  return async (sh, signal) => {
    const out = await sh.exec(command, {timeoutMs: remoteTimeoutMs(), signal})
    if (out.code === 0) return
    const tail = (out.stderr.trim() || out.stdout.trim()).split('\n').slice(-8).join('\n')
    const how = out.code === null ? `was killed by ${out.signal ?? 'a signal'}` : `exited with ${out.code}`
    throw new ExternalError('AppRestartFailed', maskSecrets(`apps.restart \`${command}\` ${how} on ${describeTarget(sh.target)}${tail ? `:\n${tail}` : '.'}`), {
      nextSteps: ['Run apps.restart by hand on that host to see why, then run the command again.'],
    })
  }
}

/**
 * Refuses, before anything is written, a `.env` fleet should not write: one
 * without any write permission (a deliberate read-only file, even for a
 * root login), one the SSH user cannot write, or one in a folder where the
 * backup cannot go.
 */
async function assertWritable(sh: RemoteShell, envFile: string): Promise<void> {
  const stat = await sh.stat(envFile)
  const mode = stat ? (stat.mode & 0o7777).toString(8).padStart(4, '0') : '?'
  const readOnly = (why: string, next: string) =>
    new ExternalError('EnvReadOnly', `rds.envFile ${envFile} on ${describeTarget(sh.target)} ${why}: fleet did not change it.`, {nextSteps: [next]})
  if (stat && (stat.mode & 0o222) === 0) throw readOnly(`is read-only (mode ${mode})`, `Make it writable (chmod u+w ${envFile}) if fleet should switch it.`)
  const probe = await sh.exec(`[ -w ${shellQuote(envFile)} ] || exit 10; [ -w ${shellQuote(posix.dirname(envFile))} ] || exit 11`)
  if (probe.code === 10) {
    throw readOnly(`cannot be written by ${sh.target.user} (mode ${mode}, owner uid ${stat?.uid ?? '?'})`, `Give ${sh.target.user} write access to it, or log in as its owner (accounts.<name>.ssh.user).`)
  }
  if (probe.code === 11) {
    throw readOnly(
      `is in a folder ${sh.target.user} cannot write, where fleet keeps its backup`,
      `Give ${sh.target.user} write access to ${posix.dirname(envFile)}: fleet keeps ${posix.basename(envFile)}.fleet-backup beside the file.`,
    )
  }
  if (probe.code !== 0) throw readOnly(`could not be checked (exit ${probe.code})`, 'Check the file and its folder on the host.')
}

/** The envfile module's error, saying which file on which host. */
function where(error: FleetError, envFile: string, sh: RemoteShell): FleetError {
  return rewordError(error, `${envFile} on ${describeTarget(sh.target)}: ${error.message}`)
}
