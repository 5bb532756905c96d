/**
 * Everything `fleet logs` decides before it calls AWS or SSH: the app
 * servers, the sources and their commands, the `--grep` expression.
 */
import {UsageError} from '../errors.js'
import {appServersOf} from '../fleet/targets.js'
import type {Profile} from '../profile/load.js'
import {lastAppliedArch, type StateStore} from '../state/json-store.js'
import {logSources, type SourcePlan} from './sources.js'

export interface LogsOptions {
  /** Accounts named on the command line; empty: every app server. */
  names: string[]
  lb: boolean
  arch?: string
  since: string
  follow: boolean
  grep?: string
}

export interface LogsPlan extends SourcePlan {
  grep?: RegExp
}

export async function planLogs(profile: Profile, deps: {state: StateStore}, options: LogsOptions): Promise<LogsPlan> {
  const {state} = deps
  const grep = compileGrep(options.grep)
  // Named accounts need the app servers only to tell whether a named LB means nginx.
  const lb = profile.data.nginx?.on
  const needed = options.names.length === 0 || options.arch !== undefined || (lb !== undefined && options.names.includes(lb))
  const appServers = needed ? appServersOf(profile, options.arch, await lastAppliedArch(state)) : []
  const plan = logSources(profile, {names: options.names, lb: options.lb, appServers, since: options.since, follow: options.follow})
  return grep ? {...plan, grep} : plan
}

/** `--grep`: a JavaScript regular expression, matched against each line (not its prefix). */
export function compileGrep(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined
  try {
    return new RegExp(pattern)
  } catch (error) {
    throw new UsageError('BadGrep', `--grep ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}.`, {
      nextSteps: ['It is a JavaScript RegExp: escape ( [ { . * + ? with a backslash to match them as they are.'],
    })
  }
}
