import {UsageError} from '../errors.js'
import {type Block, type Directive, type ParsedConfig, childrenNamed, parseConfig} from './parser.js'
import {
  type Edit,
  FLEET_MARK,
  applyEdits,
  childIndent,
  insertLinesAfter,
  insertLinesBefore,
  isFleetLine,
  removeLine,
} from './text.js'
import type {NginxChange, NginxFoundBefore, NginxSettings, StepResult} from './types.js'

type WorkerKey = keyof NginxFoundBefore

const KEYS: readonly WorkerKey[] = ['workerProcesses', 'workerConnections', 'workerRlimitNofile']

const DIRECTIVE: Record<WorkerKey, {name: string; scope: 'main' | 'events'}> = {
  workerProcesses: {name: 'worker_processes', scope: 'main'},
  workerConnections: {name: 'worker_connections', scope: 'events'},
  workerRlimitNofile: {name: 'worker_rlimit_nofile', scope: 'main'},
}

/**
 * Sets worker_processes, worker_connections and worker_rlimit_nofile from
 * the architecture, and puts back what fleet found for those it omits.
 * `found` is updated in place (see NginxFoundBefore).
 */
export function applyWorkerSettings(
  text: string,
  settings: NginxSettings,
  found: NginxFoundBefore,
  source?: string,
): StepResult {
  const result: StepResult = {text, changes: [], warnings: []}
  for (const key of KEYS) {
    const wanted = wantedValue(key, settings, found, result.text, source)
    const step = wanted === undefined ? restore(result.text, key, found, source) : set(result.text, key, wanted, found, source)
    result.text = step.text
    result.changes.push(...step.changes)
    result.warnings.push(...step.warnings)
  }
  return result
}

/**
 * worker_rlimit_nofile follows worker_connections: a proxied request holds
 * two descriptors (client and upstream), so 2 x worker_connections, but never
 * below what the user had set before fleet (they may have had reasons).
 */
function wantedValue(
  key: WorkerKey,
  settings: NginxSettings,
  found: NginxFoundBefore,
  text: string,
  source?: string,
): string | undefined {
  if (key === 'workerProcesses') return settings.workerProcesses === undefined ? undefined : String(settings.workerProcesses)
  if (key === 'workerConnections') return settings.workerConnections === undefined ? undefined : String(settings.workerConnections)
  if (settings.workerConnections === undefined) return undefined
  const wanted = 2 * settings.workerConnections
  const before = key in found ? found.workerRlimitNofile : userValue(parseConfig(text, source), key)
  const previous = Number(before)
  return String(Number.isInteger(previous) && previous > wanted ? previous : wanted)
}

function userValue(parsed: ParsedConfig, key: WorkerKey): string | null {
  const scope = scopeOf(parsed, key)
  const directive = scope && childrenNamed(scope, DIRECTIVE[key].name)[0]
  return directive && !isFleetLine(directive) ? rawArgs(parsed.text, directive) : null
}

function scopeOf(parsed: ParsedConfig, key: WorkerKey): Block | null {
  const events = childrenNamed(parsed.root, 'events')[0]?.block ?? null
  if (!events) return null
  return DIRECTIVE[key].scope === 'events' ? events : parsed.root
}

function rawArgs(text: string, directive: Directive): string {
  const {args} = directive
  return args.length === 0 ? '' : text.slice(args[0]!.start, args.at(-1)!.end)
}

function set(text: string, key: WorkerKey, value: string, found: NginxFoundBefore, source?: string): StepResult {
  const parsed = parseConfig(text, source)
  const {name, scope: scopeName} = DIRECTIVE[key]
  const scope = scopeOf(parsed, key)
  if (!scope) {
    throw new UsageError('NginxNotMainConfig', `${source ?? 'nginx config'} has no events block, so fleet cannot set ${name} in it`, {
      nextSteps: ['Point the profile\'s nginx.config at the main nginx.conf (the file with "events {}"), or drop the worker settings from the architecture.'],
    })
  }
  const [directive, ...duplicates] = childrenNamed(scope, name)
  const warnings = duplicates.length > 0 ? [`${name} appears ${duplicates.length + 1} times in ${scopeName}; fleet edited the first`] : []
  const current = directive ? rawArgs(text, directive) : null
  if (current === value) return {text, changes: [], warnings}
  if (!(key in found)) found[key] = directive && !isFleetLine(directive) ? current : null
  const edit = directive ? replaceArgs(directive, value) : insertDirective(text, parsed, key, `${name} ${value}; ${FLEET_MARK}`)
  const action = directive ? 'set' : 'insert'
  const summary = directive ? `${name} ${current} -> ${value} (${scopeName})` : `${name} ${value} added (${scopeName})`
  return {text: applyEdits(text, [edit]), changes: [{action, directive: name, where: scopeName, from: current, to: value, summary}], warnings}
}

function restore(text: string, key: WorkerKey, found: NginxFoundBefore, source?: string): StepResult {
  if (!(key in found)) return {text, changes: [], warnings: []}
  const before = found[key] ?? null
  delete found[key]
  const parsed = parseConfig(text, source)
  const scope = scopeOf(parsed, key)
  const {name, scope: scopeName} = DIRECTIVE[key]
  const directive = scope && childrenNamed(scope, name)[0]
  if (!directive) {
    if (before === null) return {text, changes: [], warnings: []}
    return {text, changes: [], warnings: [`${name} (${before} before fleet) has been removed from the file since; fleet left it out`]}
  }
  const current = rawArgs(text, directive)
  if (before === null) {
    if (!isFleetLine(directive)) {
      return {text, changes: [], warnings: [`${name} ${current} has no "${FLEET_MARK}" mark although fleet added it; left as it is`]}
    }
    const change: NginxChange = {action: 'remove', directive: name, where: scopeName, from: current, to: null, summary: `${name} ${current} removed (${scopeName}): it was not there before fleet`}
    return {text: applyEdits(text, [removeLine(text, directive)]), changes: [change], warnings: []}
  }
  if (current === before) return {text, changes: [], warnings: []}
  const change: NginxChange = {action: 'restore', directive: name, where: scopeName, from: current, to: before, summary: `${name} ${current} -> ${before} (${scopeName}, as before fleet)`}
  return {text: applyEdits(text, [replaceArgs(directive, before)]), changes: [change], warnings: []}
}

function replaceArgs(directive: Directive, value: string): Edit {
  const {args} = directive
  if (args.length === 0) return {start: directive.nameToken.end, end: directive.nameToken.end, text: ` ${value}`}
  return {start: args[0]!.start, end: args.at(-1)!.end, text: value}
}

/**
 * Where a new directive goes: worker_connections first in `events`;
 * worker_processes after `user`; worker_rlimit_nofile after
 * worker_processes; else before the file's first directive.
 */
function insertDirective(text: string, parsed: ParsedConfig, key: WorkerKey, line: string): Edit {
  if (key === 'workerConnections') {
    const events = scopeOf(parsed, key)!
    return insertLinesAfter(text, events.open!.end, [line], childIndent(text, events, parsed.root))
  }
  const afterNames = key === 'workerRlimitNofile' ? ['worker_processes', 'user'] : ['user']
  for (const name of afterNames) {
    const anchor = childrenNamed(parsed.root, name)[0]
    if (anchor) return insertLinesAfter(text, anchor.comment?.end ?? anchor.end, [line], childIndent(text, parsed.root, parsed.root))
  }
  return insertLinesBefore(text, parsed.root.children[0]!.start, [line])
}
