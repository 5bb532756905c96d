import {posix} from 'node:path'

import createDebug from 'debug'

import {ExternalError, type FleetError} from '../errors.js'
import type {RemoteShell} from '../remote/index.js'
import {shellQuote} from '../remote/index.js'

const debug = createDebug('fleet:upstream')
const {dirname} = posix

/** One file to change on the host; `before` null means it did not exist. */
export interface FileChange {
  path: string
  before: Buffer | null
  after: Buffer
}

export interface NginxCommands {
  test: string
  reload: string
  dump: string
}

export interface ApplyOutcome {
  reloaded: boolean
  rolledBack: boolean
  error: FleetError | null
}

/** Never matches an `include *.conf` glob. */
export const BACKUP_SUFFIX = '.fleet-backup'
const COMMAND_TIMEOUT_MS = 60_000

/**
 * Applies nginx files the way a bind-mounted config needs (spec section 4,
 * "Applying nginx changes"): keep a backup, write in place (same inode, so a
 * container sees it), `nginx -t`; on failure restore and do not reload;
 * otherwise reload and confirm through the dump that the running config has
 * the change; if not, restore and reload the old one.
 */
export async function applyWithRollback(
  sh: RemoteShell,
  changes: readonly FileChange[],
  nginx: NginxCommands,
  confirm: (dump: string) => boolean,
): Promise<ApplyOutcome> {
  for (const c of changes) {
    if (c.before !== null) await sh.execOrThrow(`cp -p -- ${shellQuote(c.path)} ${shellQuote(c.path + BACKUP_SUFFIX)}`)
  }
  try {
    for (const c of changes) {
      // fleet owns the upstream file: its folder may not exist before the first sync.
      if (c.before === null) await sh.execOrThrow(`mkdir -p -- ${shellQuote(dirname(c.path))}`)
      await sh.writeFileInPlace(c.path, c.after)
    }
  } catch (error) {
    await restore(sh, changes)
    throw error
  }

  const test = await sh.exec(nginx.test, {timeoutMs: COMMAND_TIMEOUT_MS})
  if (test.code !== 0) {
    await restore(sh, changes)
    return failed(false, 'NginxTestFailed', `\`${nginx.test}\` refused the new configuration; the files were restored and nginx was not reloaded.`, test)
  }

  const reload = await sh.exec(nginx.reload, {timeoutMs: COMMAND_TIMEOUT_MS})
  if (reload.code !== 0) {
    await restore(sh, changes)
    await sh.exec(nginx.reload, {timeoutMs: COMMAND_TIMEOUT_MS})
    return failed(false, 'NginxReloadFailed', `\`${nginx.reload}\` failed; the files were restored.`, reload)
  }

  const dump = await sh.exec(nginx.dump, {timeoutMs: COMMAND_TIMEOUT_MS})
  if (dump.code !== 0 || !confirm(dump.stdout)) {
    await restore(sh, changes)
    const again = await sh.exec(nginx.reload, {timeoutMs: COMMAND_TIMEOUT_MS})
    debug('restored after a failed confirmation; reload exit %s', again.code)
    return failed(
      true,
      'NginxNotApplied',
      `After the reload, \`${nginx.dump}\` does not show the new upstream, so the old files were restored and reloaded. ` +
        'If nginx runs in Docker, check that nginx.upstreamInclude is the path the container sees and that the file is mounted.',
      dump,
    )
  }
  return {reloaded: true, rolledBack: false, error: null}
}

async function restore(sh: RemoteShell, changes: readonly FileChange[]): Promise<void> {
  // Last written first: the config that includes the upstream file goes back before it.
  for (const c of [...changes].reverse()) {
    if (c.before === null) await sh.exec(`rm -f -- ${shellQuote(c.path)}`)
    else await sh.writeFileInPlace(c.path, c.before)
  }
}

function failed(reloaded: boolean, code: string, message: string, run: {stdout: string; stderr: string}): ApplyOutcome {
  const output = (run.stderr.trim() || run.stdout.trim()).split('\n').slice(-8).join('\n')
  return {reloaded, rolledBack: true, error: new ExternalError(code, output ? `${message}\n${output}` : message)}
}
