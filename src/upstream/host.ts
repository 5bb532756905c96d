import {ExternalError, InterruptedError, toErrorInfo, type ErrorInfo} from '../errors.js'
import {dumpHasUpstream, type NginxFoundBefore, planNginxFiles} from '../nginx/index.js'
import type {ArchNginxConfig, NginxConfig} from '../profile/schema.js'
import type {RemoteShell} from '../remote/index.js'
import {type EditHost, type EditStep, type FileEdit, safeEdit} from '../remote/safe-edit.js'
import {remoteTimeoutMs} from '../remote/timeouts.js'
import type {StateStore} from '../state/json-store.js'
import {decodeText, encodeText, type TextEncoding} from '../text/encoding.js'
import {unifiedDiff} from '../text/diff.js'
import {maskSecrets} from '../text/mask.js'
import {type Cancel, uninterruptible} from '../util/cancel.js'
import {checkHealth, type ServerHealth} from './health.js'

/** What one upstream step did on the nginx host. */
export interface HostSyncResult {
  servers: string[]
  /** True when nginx now serves something it did not before (files written, or a reload of files it had not loaded). */
  changed: boolean
  diff: string
  reloaded: boolean
  rolledBack: boolean
  warnings: string[]
  /** null when no health path was checked. */
  health: ServerHealth[] | null
  error: ErrorInfo | null
}

export interface HostSyncInput {
  nginx: NginxConfig
  settings: ArchNginxConfig
  /** "ip:port" of every server the upstream must hold; never empty. */
  servers: readonly string[]
  /** Asked of every server from the LB host after the sync (apps.health). */
  healthPath?: string
  healthWaitMs?: number
  dryRun: boolean
  cancel?: Cancel
  onStep?: (label: string) => void
}

const FOUND_BEFORE = 'nginx-found-before'

export {remoteTimeoutMs} from '../remote/timeouts.js'

/**
 * Makes nginx on the LB host serve `servers` with the architecture's
 * settings. The files are planned from what is on the host; "in sync" also
 * asks what nginx serves: `nginx.dump` must show the upstream, and no
 * pending marker may be left by a run that was killed between its write and
 * its reload (`nginx -T` reads the files from disk, so it alone cannot tell).
 * Such files are reloaded now. Changes go through safeEdit:
 * backup, in-place write, `nginx.test`, reload, confirm, restore on any fault.
 */
export async function syncOnHost(host: EditHost, state: StateStore, input: HostSyncInput): Promise<HostSyncResult> {
  const {nginx} = input
  const cancel = input.cancel ?? uninterruptible
  const step = stepper(input, cancel)
  step('reading the nginx config')
  const files = await readNginxFiles(host.shell, nginx)
  const foundBefore = (await state.read<NginxFoundBefore>(FOUND_BEFORE)) ?? undefined
  const plan = planNginxFiles({
    config: files.config.text,
    upstreamFile: files.upstream?.text ?? null,
    target: {upstream: nginx.upstream, upstreamInclude: nginx.upstreamInclude ?? nginx.upstreamFile, source: nginx.config},
    settings: input.settings,
    foundBefore,
    servers: input.servers,
  })
  const diff = maskSecrets(unifiedDiff(nginx.config, files.config.text, plan.config.text) + unifiedDiff(nginx.upstreamFile, files.upstream?.text ?? '', plan.upstreamFile))
  const result: HostSyncResult = {servers: [...input.servers], changed: plan.changed, diff, reloaded: false, rolledBack: false, warnings: plan.config.warnings, health: null, error: null}
  if (input.dryRun) return result

  const commands = nginxSteps(nginx, input.servers)
  const marker = pendingMarkerOf(nginx)
  if (plan.changed) {
    const edits: FileEdit[] = []
    if (plan.upstreamChanged) edits.push({path: nginx.upstreamFile, before: files.upstream?.bytes ?? null, after: encodeText(plan.upstreamFile, files.upstream?.encoding ?? 'utf8')})
    if (plan.config.changed) edits.push({path: nginx.config, before: files.config.bytes, after: encodeText(plan.config.text, files.config.encoding)})
    step('writing, testing and reloading nginx')
    const outcome = await safeEdit(host, {files: edits, precheck: commands.precheck, validate: commands.test, activate: commands.reload, confirm: commands.confirm, pendingMarker: marker}, cancel)
    Object.assign(result, {reloaded: outcome.activated, rolledBack: outcome.rolledBack, error: outcome.error ? toErrorInfo(outcome.error) : null})
    if (outcome.error instanceof InterruptedError) throw outcome.error
    if (outcome.error) return result
    await state.write(FOUND_BEFORE, plan.config.foundBefore)
  } else if (files.pending || !(await passes(host.shell, commands.confirm))) {
    // The files are right, but an earlier run was cut short before nginx loaded them (or nginx reads others): reload.
    step('reloading nginx: the files on disk may not be what it serves')
    const outcome = await safeEdit(host, {files: [], validate: commands.test, activate: commands.reload, confirm: commands.confirm, pendingMarker: marker}, cancel)
    Object.assign(result, {changed: true, reloaded: outcome.activated, error: outcome.error ? toErrorInfo(outcome.error) : null})
    result.warnings.push(`${files.pending ? 'an earlier run was cut short before nginx loaded its files' : 'nginx did not show the upstream its files hold'}; it was reloaded`)
    if (outcome.error) return result
  }
  if (cancel.signal.aborted) {
    const live = result.reloaded ? 'The new upstream is live; the health check was skipped.' : 'nginx was left as it was.'
    throw new InterruptedError('Interrupted', `Interrupted. ${live} A re-run converges.`)
  }
  if (input.healthPath) {
    step(`asking every server for ${input.healthPath}`)
    result.health = await checkHealth(host.shell, input.servers, input.healthPath, input.healthWaitMs)
    const bad = result.health.filter((h) => !h.ok)
    if (bad.length > 0) {
      const list = bad.map((h) => `${h.server} (${h.status ?? 'no answer'})`).join(', ')
      result.error = {code: 'UnhealthyServers', message: `From the nginx host, ${input.healthPath} did not answer 2xx/3xx on: ${list}.`}
    }
  }
  return result
}

/** nginx.test, nginx.reload and nginx.dump as the steps of a safe edit. */
function nginxSteps(nginx: NginxConfig, servers: readonly string[]): {precheck: EditStep; test: EditStep; reload: EditStep; confirm: EditStep} {
  const run = (command: string, fail: (output: string) => ExternalError): EditStep => async (sh, signal) => {
    const out = await sh.exec(command, {timeoutMs: remoteTimeoutMs(), signal})
    if (out.code !== 0) throw fail(tail(out))
  }
  return {
    precheck: run(nginx.test, (out) => new ExternalError('NginxAlreadyBroken', `The current config already fails \`${nginx.test}\`, before fleet changed anything; nothing was written.\n${out}`, {
      nextSteps: ['Fix the config on the host until the test passes, then sync again.'],
    })),
    test: run(nginx.test, (out) => new ExternalError('NginxTestFailed', `\`${nginx.test}\` refused the new configuration; nginx was not reloaded.\n${out}`)),
    reload: run(nginx.reload, (out) => new ExternalError('NginxReloadFailed', `\`${nginx.reload}\` failed.\n${out}`)),
    confirm: async (sh, signal) => {
      const dump = await sh.exec(nginx.dump, {timeoutMs: remoteTimeoutMs(), signal})
      if (dump.code === 0 && dumpHasUpstream(dump.stdout, nginx.upstream, servers)) return
      throw new ExternalError(
        'NginxNotApplied',
        `After the reload, \`${nginx.dump}\` does not show the new upstream. If nginx runs in Docker, check that nginx.upstreamInclude is the path the container sees and that the file is mounted.`,
      )
    },
  }
}

/** Exists while an upstream edit is under way (src/remote/safe-edit.ts): never matches `*.conf`. */
export function pendingMarkerOf(nginx: NginxConfig): string {
  return `${nginx.config}.fleet-pending`
}

async function passes(sh: RemoteShell, confirm: EditStep): Promise<boolean> {
  try {
    await confirm(sh, new AbortController().signal)
    return true
  } catch {
    return false
  }
}

/** Reports a step, first stopping if Ctrl-C came: steps are the safe places to stop. */
function stepper(input: HostSyncInput, cancel: Cancel): (label: string) => void {
  return (label) => {
    if (cancel.signal.aborted) throw new InterruptedError('Interrupted', 'Interrupted; nginx was left as it was (a re-run converges).')
    input.onStep?.(label)
  }
}

interface HostFile {
  bytes: Buffer
  text: string
  encoding: TextEncoding
}

async function readNginxFiles(sh: RemoteShell, nginx: NginxConfig): Promise<{config: HostFile; upstream: HostFile | null; pending: boolean}> {
  const configBytes = await sh.readFile(nginx.config)
  if (configBytes === null) {
    throw new ExternalError('NginxConfigMissing', `nginx.config ${nginx.config} does not exist on ${sh.target.account} (${sh.target.user}@${sh.target.host}).`, {
      nextSteps: ['Set nginx.config to the main config as the host sees it (not the path inside a container).'],
    })
  }
  const upstreamBytes = await sh.readFile(nginx.upstreamFile)
  const pending = (await sh.stat(pendingMarkerOf(nginx))) !== null
  return {config: hostFile(configBytes), upstream: upstreamBytes === null ? null : hostFile(upstreamBytes), pending}
}

function hostFile(bytes: Buffer): HostFile {
  return {bytes, ...decodeText(bytes)}
}

function tail(run: {stdout: string; stderr: string}): string {
  return (run.stderr.trim() || run.stdout.trim()).split('\n').slice(-8).join('\n')
}
