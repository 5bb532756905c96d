import {errorLines} from '../output/errors.js'
import type {StillCosting} from '../cost/left-running.js'
import type {PlannedChange} from '../plan/plan.js'
import type {RdsPublicResult} from '../rds/types.js'
import type {AccountResult, UpResult} from './apply.js'
import type {DownResult} from './down.js'
import type {PreparedUp} from './prepare.js'

/** Notes that go with the plan: a resumed run, accounts that could not be read, an upstream not read. */
export function planNotes(prepared: PreparedUp): string[] {
  const notes: string[] = []
  if (prepared.from === 'state') notes.push(`No --arch: going on with architecture ${prepared.arch.id}, which ${prepared.resumed ? 'the last `fleet up` did not finish' : 'the last `fleet up` applied'}.`)
  if (prepared.upstreamNote) notes.push(`The upstream now is unknown: ${prepared.upstreamNote}.`)
  for (const e of prepared.errors) notes.push(`✗ ${e.account}: ${errorLines(e.error).join('\n')}`)
  return notes
}

/** `fleet up`'s outcome for people: per account, the upstream, the LB's address (it changes at every start), and trouble. */
export function renderUpResult(r: UpResult): string {
  const tail = [...autoStopLines(r), ...hookLines(r)]
  if (r.converged && r.results.every((a) => a.ok) && !r.sync?.error) return [`✓ Already at architecture ${r.arch}: nothing changed.`, ...tail].join('\n') + lbLine(r)
  const lines = [...accountLines(r.results, r.plan)]
  for (const c of r.chores) lines.push(c.ok ? `  ran \`${c.command}\` on ${c.account}` : `✗ ${c.account}: ${errorLines(c.error!).join('\n')}`)
  if (r.drain.servers.length > 0) lines.push(`  took ${r.drain.servers.join(', ')} out of the upstream first`)
  if (r.drain.skipped) lines.push(`  drain skipped: ${r.drain.skipped}`)
  if (r.drain.error) lines.push(`  ✗ drain: ${errorLines(r.drain.error).join('\n')}`)
  if (r.sync) {
    if (r.sync.error) lines.push(`✗ upstream: ${errorLines(r.sync.error).join('\n')}`)
    else lines.push(`✓ upstream ${r.sync.changed ? 'now' : 'already'} sends to ${r.sync.servers.join(', ')}`)
    for (const h of r.sync.health ?? []) if (!h.ok) lines.push(`  ✗ health ${h.server} ${h.status ?? 'no answer'}`)
  } else if (!r.interrupted) lines.push('✗ upstream not synced: the nginx host is not up')
  lines.push(...rdsLines(r.rds), ...tail)
  for (const w of r.warnings) lines.push(`  note: ${w}`)
  if (r.interrupted) lines.push('Interrupted: the steps above were done; `fleet up` again converges from here.')
  return lines.join('\n') + lbLine(r)
}

/** Each instance's own stop: when, or why it could not be scheduled. */
function autoStopLines(r: {autoStop: UpResult['autoStop']}): string[] {
  return (r.autoStop ?? []).map((a) => (a.ok ? (a.at ? `⏱ ${a.account} stops itself at ${a.at}` : `⏱ ${a.account}: its own stop was cancelled`) : `✗ ${a.account}: its own stop could not be scheduled: ${errorLines(a.error!).join('\n')}`))
}

function hookLines(r: UpResult): string[] {
  if (!r.lbIpHook) return []
  return [r.lbIpHook.ok ? `  ran onLbIpChange: \`${r.lbIpHook.command}\`` : `✗ onLbIpChange: ${errorLines(r.lbIpHook.error!).join('\n')}`]
}

function lbLine(r: UpResult): string {
  if (!r.lbPublicIp) return ''
  const changed = r.lbIpChanged ? ' (NEW: update DNS records that point at the load balancer)' : ''
  return `\n\nLoad balancer: ${r.lbPublicIp}${r.lbPublicDns ? `  ${r.lbPublicDns}` : ''}${changed}`
}

/** `fleet down`'s outcome: per account, then what still costs money. */
export function renderDownResult(r: DownResult): string {
  const lines = [...rdsLines(r.rds), ...accountLines(r.results, r.plan), ...autoStopLines(r)]
  if (r.interrupted) lines.push('Interrupted: the steps above were done; `fleet down` again finishes the job.')
  else lines.push('', ...costingLines(r.stillCosting, r.costErrors.length > 0))
  for (const e of r.costErrors) lines.push(`✗ ${e.account}: could not tell what it still costs: ${e.error.message}`)
  return lines.join('\n')
}

/** The RDS step in one line, then each app server that could not be switched. */
function rdsLines(rds: RdsPublicResult | null): string[] {
  if (!rds) return []
  if (rds.error) return [`✗ RDS public access ${rds.action}: ${errorLines(rds.error).join('\n')}`]
  const state = `RDS public access ${rds.publiclyAccessible ? 'on' : 'off'}`
  const lines = [`✓ ${state}${rds.converged ? ' (already)' : ''}${rds.appsRestarted ? '; app servers restarted on the new DB_URL' : ''}`]
  for (const s of rds.servers) if (!s.ok && s.error) lines.push(`  ✗ ${s.account}: ${errorLines(s.error).join('\n')}`)
  return lines
}

function costingLines(items: StillCosting[], incomplete: boolean): string[] {
  if (items.length === 0) return [incomplete ? 'Nothing else found costing money in the accounts that could be read.' : '✓ Nothing left that costs money.']
  return ['Still costing money:', ...items.map((i) => `  ${i.account}: ${i.detail}${i.hourlyUsd === null ? '' : ` (~$${i.hourlyUsd}/h)`}`)]
}

function accountLines(results: AccountResult[], plan: PlannedChange[]): string[] {
  const changes = new Map(plan.map((c) => [c.account, c]))
  return results.map((a) => {
    if (!a.ok) return `✗ ${a.account}: ${errorLines(a.error!).join('\n')}`
    const change = changes.get(a.account)
    if (!change || a.done.length === 0) return `✓ ${a.account}: no change${change?.from.state ? ` (${change.from.state})` : ''}`
    const did = {start: 'started', stop: 'stopped', resize: `resized ${change.from.type} → ${change.to.type}${change.to.state === 'running' ? ' and started' : ''}`, none: `now ${change.to.state}`}
    return `✓ ${a.account}: ${did[change.action]}`
  })
}
