import {posix} from 'node:path'

import createDebug from 'debug'

import {ExternalError, FleetError, InterruptedError, rewordError, toErrorInfo} from '../errors.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import {shellQuote} from './shell-quote.js'
import type {RemoteShell} from './types.js'

const debug = createDebug('fleet:remote')

/** One file to change on the host; `before` null means it does not exist yet. */
export interface FileEdit {
  path: string
  before: Buffer | null
  after: Buffer
}

/** A step of an edit: resolves when it passed, throws a FleetError saying why when it did not. */
export type EditStep = (sh: RemoteShell, signal: AbortSignal) => Promise<void>

export interface EditPlan {
  files: readonly FileEdit[]
  /** Run before anything is written (e.g. `nginx -t` on the current config): a failure writes nothing. */
  precheck?: EditStep
  /** Run on the new files before they go live (e.g. `nginx -t`). */
  validate?: EditStep
  /** Makes the new files live (a reload, a restart). */
  activate: EditStep
  /** Proves the live service uses the new files (e.g. `nginx -T` holds the new upstream). */
  confirm?: EditStep
  /** Makes the restored files live again once `activate` has begun (default: `activate`). */
  reactivate?: EditStep
  /**
   * A file on the host that exists from the first write until the edit is
   * live or undone. Found by a later run, it means an edit was cut short
   * (the process was killed): the files on disk may not be what is live.
   */
  pendingMarker?: string
}

/** The host under edit: the session in use, and a way to open a new one when it is lost. */
export interface EditHost {
  shell: RemoteShell
  reopen(): Promise<RemoteShell>
}

export interface EditOutcome {
  /** True once `activate` ran (whether or not the edit then held). */
  activated: boolean
  /** True when the files were put back after a failure. */
  rolledBack: boolean
  /** null when the new files are written and live. */
  error: FleetError | null
}

/** Never matches an `include *.conf` glob, nor a `.env` loader. */
export const BACKUP_SUFFIX = '.fleet-backup'

/**
 * Changes files on a host all-or-nothing (spec section 4, "Applying nginx
 * changes"; issue: remote edits under any fault): keep a backup, write in
 * place (same inode, mode and owner: bind mounts see it), validate,
 * activate, confirm. Whatever goes wrong after the first write — a step
 * that fails, a timeout, a dropped connection, a second Ctrl-C — every
 * file is put back (over a new connection if need be), files the edit
 * created are removed, and the old ones are made live again when the new
 * ones had been. A second Ctrl-C is obeyed only once that is done.
 */
export async function safeEdit(host: EditHost, plan: EditPlan, cancel: Cancel = uninterruptible): Promise<EditOutcome> {
  const signal = cancel.urgent
  if (plan.precheck) await plan.precheck(host.shell, signal)
  return cancel.critical(async () => {
    const state = {written: [] as FileEdit[], activated: false}
    try {
      await backUp(host.shell, plan.files)
      if (plan.pendingMarker) await writeMarker(host.shell, plan.pendingMarker, plan.files)
      for (const file of plan.files) {
        state.written.push(file)
        await writeOne(host.shell, file)
      }
      await plan.validate?.(host.shell, signal)
      state.activated = true
      await plan.activate(host.shell, signal)
      await plan.confirm?.(host.shell, signal)
      await clearMarker(host, plan.pendingMarker)
      return {activated: true, rolledBack: false, error: null}
    } catch (error) {
      const failure = asFleetError(error)
      debug('edit failed (%s): restoring %d files', failure.code, state.written.length)
      const problems = await restore(host, state.written, state.activated ? (plan.reactivate ?? plan.activate) : null)
      // Kept when something could not be put back: the next run then knows not to trust the files.
      if (problems.length === 0) await clearMarker(host, plan.pendingMarker).catch((e: unknown) => problems.push(toErrorInfo(e).message))
      return {activated: state.activated, rolledBack: true, error: withRestoreReport(failure, problems, state)}
    }
  })
}

async function backUp(sh: RemoteShell, files: readonly FileEdit[]): Promise<void> {
  for (const file of files) {
    if (file.before !== null) await sh.execOrThrow(`cp -p -- ${shellQuote(file.path)} ${shellQuote(file.path + BACKUP_SUFFIX)}`)
  }
}

async function writeOne(sh: RemoteShell, file: FileEdit): Promise<void> {
  // A file fleet owns (the upstream file) may be in a folder that does not exist yet.
  if (file.before === null) await sh.execOrThrow(`mkdir -p -- ${shellQuote(posix.dirname(file.path))}`)
  await sh.writeFileInPlace(file.path, file.after)
}

/**
 * Puts back every written file (the last written first: a config that
 * includes another goes back before it), going on past a failure, then
 * re-activates when the new files had gone live. Returns what it could not do.
 */
async function restore(host: EditHost, written: readonly FileEdit[], reactivate: EditStep | null): Promise<string[]> {
  const problems: string[] = []
  const never = new AbortController().signal
  for (const file of [...written].reverse()) {
    try {
      const sh = await liveShell(host)
      // A write that failed before it truncated the file left it as it was: nothing to put back.
      if (sameBytes(await sh.readFile(file.path), file.before)) continue
      if (file.before === null) await sh.execOrThrow(`rm -f -- ${shellQuote(file.path)}`)
      else await sh.writeFileInPlace(file.path, file.before)
    } catch (error) {
      const backup = file.before === null ? 'remove it by hand' : `its backup is ${file.path}${BACKUP_SUFFIX}`
      problems.push(`${file.path} could not be restored (${toErrorInfo(error).message}); ${backup}`)
    }
  }
  if (reactivate && problems.length === 0) {
    try {
      await reactivate(await liveShell(host), never)
    } catch (error) {
      problems.push(`the restored files could not be made live again: ${toErrorInfo(error).message}`)
    }
  }
  return problems
}

async function writeMarker(sh: RemoteShell, marker: string, files: readonly FileEdit[]): Promise<void> {
  await sh.execOrThrow(`mkdir -p -- ${shellQuote(posix.dirname(marker))}`)
  await sh.writeFileInPlace(marker, `${JSON.stringify({since: new Date().toISOString(), files: files.map((f) => f.path)})}\n`)
}

async function clearMarker(host: EditHost, marker: string | undefined): Promise<void> {
  if (marker) await (await liveShell(host)).execOrThrow(`rm -f -- ${shellQuote(marker)}`)
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b)
}

async function liveShell(host: EditHost): Promise<RemoteShell> {
  if (!host.shell.isConnected()) {
    debug('the connection was lost: reconnecting to restore')
    host.shell = await host.reopen()
  }
  return host.shell
}

function withRestoreReport(failure: FleetError, problems: string[], state: {written: readonly FileEdit[]; activated: boolean}): FleetError {
  const done =
    state.written.length === 0
      ? 'Nothing had been written.'
      : problems.length === 0
        ? `The files were restored${state.activated ? ' and made live again' : ''}.`
        : `Not everything could be put back:\n${problems.map((p) => `  - ${p}`).join('\n')}`
  const message = `${failure.message}\n${done}`
  if (problems.length === 0 || failure instanceof InterruptedError) return rewordError(failure, message)
  return new ExternalError('RestoreIncomplete', message, {
    cause: failure,
    nextSteps: ['Check the files named above on the host before the next run.', ...failure.nextSteps],
  })
}

function asFleetError(error: unknown): FleetError {
  if (error instanceof FleetError) return error
  return new ExternalError('RemoteEditFailed', (error as Error)?.message ?? String(error), {cause: error})
}
