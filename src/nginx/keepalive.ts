import {UsageError} from '../errors.js'
import {type Directive, type ParsedConfig, allDirectives, ancestors, argValue, contextLabel, parseConfig} from './parser.js'
import {type Edit, FLEET_MARK, applyEdits, childIndent, insertLinesAfter, isFleetLine, removeLine} from './text.js'
import type {NginxChange, StepResult} from './types.js'

const KEEPALIVE_DIRECTIVES = new Set(['proxy_http_version', 'proxy_set_header'])

/** The `location` blocks whose proxy_pass (directly or in an `if`/`limit_except`) goes to `upstream`. */
export function proxyLocations(parsed: ParsedConfig, upstream: string): Directive[] {
  const target = new RegExp(`^https?://${escapeRegExp(upstream)}(/.*)?$`, 'i')
  const found: Directive[] = []
  for (const directive of allDirectives(parsed.root)) {
    if (directive.name !== 'proxy_pass' || !target.test(directive.args[0]?.value ?? '')) continue
    const location = ancestors(directive).find((a) => a.name === 'location')
    if (location && !found.includes(location)) found.push(location)
  }
  return found
}

/**
 * Makes every location that proxies to `upstream` ready for upstream
 * keep-alive (`on`), or takes fleet's lines out again (`!on`). Either way it
 * first removes every line fleet added before, then adds afresh from what the
 * user wrote: a header the user added at server level since the last sync is
 * copied too, and a second run with nothing new gives the same text.
 */
export function applyKeepalive(text: string, upstream: string, on: boolean, source?: string): StepResult {
  const stripped = stripFleetLines(text, source)
  if (!on) return {text: stripped.text, changes: text === stripped.text ? [] : stripped.changes, warnings: []}
  const parsed = parseConfig(stripped.text, source)
  const locations = proxyLocations(parsed, upstream)
  if (locations.length === 0) {
    throw new UsageError('NginxNoProxyLocation', `${source ?? 'nginx config'} has no location with "proxy_pass http://${upstream}", so fleet cannot turn on upstream keep-alive`, {
      nextSteps: [`Add "proxy_pass http://${upstream};" to the location that serves the app, or remove keepalive from the architecture.`],
    })
  }
  const edits: Edit[] = []
  const changes: NginxChange[] = []
  const warnings: string[] = []
  for (const location of locations) {
    const plan = planLocation(parsed, location, upstream)
    warnings.push(...plan.warnings)
    if (plan.edit) edits.push(plan.edit)
    if (plan.change) changes.push(plan.change)
  }
  const out = applyEdits(stripped.text, edits)
  return {text: out, changes: out === text ? [] : changes, warnings}
}

function stripFleetLines(text: string, source?: string): StepResult {
  const parsed = parseConfig(text, source)
  const marked = allDirectives(parsed.root).filter((d) => KEEPALIVE_DIRECTIVES.has(d.name) && isFleetLine(d))
  const byLocation = new Map<string, number>()
  for (const d of marked) {
    const where = contextLabel(d.parent.owner ?? d)
    byLocation.set(where, (byLocation.get(where) ?? 0) + 1)
  }
  const changes: NginxChange[] = [...byLocation].map(([where, count]) => ({
    action: 'remove-keepalive',
    directive: 'proxy_http_version, proxy_set_header',
    where,
    summary: `${count} line(s) fleet added for upstream keep-alive removed (${where})`,
  }))
  return {text: applyEdits(text, marked.map((d) => removeLine(text, d))), changes, warnings: []}
}

interface LocationPlan {
  edit?: Edit
  change?: NginxChange
  warnings: string[]
}

function planLocation(parsed: ParsedConfig, location: Directive, upstream: string): LocationPlan {
  const {text} = parsed
  const where = contextLabel(location)
  const own = location.block!.children
  const ownHeaders = own.filter((d) => d.name === 'proxy_set_header')
  const version = own.find((d) => d.name === 'proxy_http_version')
  if (version && argValue(version) !== '1.1') {
    return {warnings: [`${where} sets proxy_http_version ${argValue(version)}; fleet left it alone, so it does not reuse connections to ${upstream}`]}
  }
  const ownConnection = ownHeaders.find(isConnectionHeader)
  if (ownConnection && ownConnection.args[1]?.value !== '') {
    return {warnings: [`${where} sets its own Connection header (${argValue(ownConnection)}, e.g. for WebSocket); fleet left it alone, so it does not reuse connections to ${upstream}`]}
  }
  const warnings: string[] = []
  let copied: Directive[] = []
  if (ownHeaders.length === 0) {
    if (own.some((d) => d.name === 'include')) {
      warnings.push(`${where} includes a file fleet cannot see; fleet took it to set proxy_set_header (as proxy_params does) and copied no outer header in. If it sets none, the outer headers no longer reach this location`)
    } else {
      const inherited = inheritedHeaders(parsed, location)
      if (inherited.headers.some(isConnectionHeader)) {
        return {warnings: [`${where} inherits a Connection header from ${inherited.from}; fleet left it alone, so it does not reuse connections to ${upstream}`]}
      }
      copied = inherited.headers
      if (inherited.unseen) warnings.push(`${where}: if the http block of the main nginx.conf sets proxy_set_header, this location no longer inherits it (fleet cannot see that file)`)
    }
  }
  const lines = [
    ...(version ? [] : [`proxy_http_version 1.1; ${FLEET_MARK}`]),
    ...copied.map((h) => `${text.slice(h.start, h.end)} ${FLEET_MARK}`),
    ...(ownConnection ? [] : [`proxy_set_header Connection ""; ${FLEET_MARK}`]),
  ]
  if (lines.length === 0) return {warnings}
  const block = location.block!
  const anchor = own.find((d) => d.name === 'proxy_pass')
  const edit = insertLinesAfter(text, anchor ? anchor.end : block.open!.end, lines, childIndent(text, block, parsed.root))
  const copiedNote = copied.length > 0 ? `, ${copied.length} inherited proxy_set_header copied in` : ''
  const change: NginxChange = {
    action: 'add-keepalive',
    directive: 'proxy_http_version, proxy_set_header Connection',
    where,
    summary: `${version ? '' : 'proxy_http_version 1.1 and '}proxy_set_header Connection "" added${copiedNote} (${where})`,
  }
  return {edit, change, warnings}
}

/**
 * nginx hands a location the proxy_set_header of the nearest enclosing level
 * (outer location, server, http) that sets any, and only when the location
 * sets none itself. In a file included from http (no http block of its own),
 * its top level is the http level and the real http block is unseen.
 */
function inheritedHeaders(parsed: ParsedConfig, location: Directive): {headers: Directive[]; from: string; unseen: boolean} {
  const levels = ancestors(location)
  for (const level of levels) {
    const headers = level.block!.children.filter((d) => d.name === 'proxy_set_header')
    if (headers.length > 0) return {headers, from: contextLabel(level), unseen: false}
  }
  const inHttp = levels.some((l) => l.name === 'http')
  const headers = inHttp ? [] : parsed.root.children.filter((d) => d.name === 'proxy_set_header')
  return {headers, from: 'the top of the file', unseen: !inHttp && headers.length === 0}
}

function isConnectionHeader(directive: Directive): boolean {
  return directive.args[0]?.value.toLowerCase() === 'connection'
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
