import {toErrorInfo} from '../errors.js'
import {remoteTargetFor} from '../fleet/targets.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {KnownHosts, shellQuote, withRemote} from '../remote/index.js'
import type {InstanceView} from '../fleet/instances.js'
import type {Check} from './check.js'

/**
 * The host part of `doctor`: SSH reachable, and the tools the profile's
 * commands call present (nginx's test command on the LB; the first program
 * of apps.restart / apps.logs on app servers). A stopped instance cannot be
 * checked, and says so.
 */
export async function remoteChecks(profile: Profile, account: ResolvedAccount, instance: InstanceView): Promise<Check[]> {
  if (instance.state !== 'running') return [{name: 'ssh', ok: null, detail: `not checked: the instance is ${instance.state}`}]
  const isLb = profile.data.nginx?.on === account.name
  try {
    const target = remoteTargetFor(account, instance)
    return await withRemote(target, {knownHosts: new KnownHosts(), connectTimeoutMs: 10_000}, async (sh) => {
      const checks: Check[] = [{name: 'ssh', ok: true, detail: `${target.user}@${target.host}:${target.port}`}]
      if (isLb && profile.data.nginx) {
        const test = await sh.exec(profile.data.nginx.test, {timeoutMs: 30_000})
        const out = (test.stderr || test.stdout).trim().split('\n').slice(-1)[0] ?? ''
        checks.push({name: 'nginx', ok: test.code === 0, detail: `\`${profile.data.nginx.test}\`: ${out || `exit ${test.code}`}`})
      }
      const appCommand = profile.data.apps?.restart ?? profile.data.apps?.logs
      if (!isLb && appCommand) {
        const program = firstProgram(appCommand)
        const found = await sh.exec(`command -v ${shellQuote(program)}`, {timeoutMs: 15_000})
        checks.push({name: 'app-tools', ok: found.code === 0, detail: found.code === 0 ? `${program} found` : `${program} not found on the host`})
      }
      return checks
    })
  } catch (error) {
    return [{name: 'ssh', ok: false, detail: toErrorInfo(error).message}]
  }
}

/** `sudo docker compose ...` → docker. */
export function firstProgram(command: string): string {
  const words = command.trim().split(/\s+/)
  const skip = new Set(['sudo', 'env', 'nice', 'exec'])
  return words.find((w) => !skip.has(w) && !w.startsWith('-') && !w.includes('=')) ?? words[0] ?? ''
}
