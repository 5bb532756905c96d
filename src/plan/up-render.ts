import {renderTable} from '../output/table.js'
import {isLeftAlone, type PlannedChange, type PlanStep} from './plan.js'
import type {RunningCost} from './up-cost.js'
import type {PlanCounts, PlanWarning, UpPlan} from './up-plan.js'
import type {UpstreamEntry} from './up-upstream.js'

/**
 * `fleet up`'s plan for people, Terraform style: one line per account with
 * a sign (+ start, - stop, ~ resize or wait, ! left alone), the upstream
 * before → after, warnings, and one summary line. A converged plan is one
 * line (plus its warnings, which stay true while nothing changes). Pure.
 */
export function renderUpPlan(up: UpPlan, words: {heading?: string; converged?: string; upstream?: boolean} = {}): string {
  if (up.converged) return [words.converged ?? `already at architecture ${up.arch}`, ...renderWarnings(up, stillTrue)].join('\n')
  const costs = new Map(up.cost.running.map((r) => [r.account, r]))
  const drained = new Set(up.upstream.drainAccounts)
  const rows = up.plan.map((c) => accountRow(c, costs.get(c.account), drained.has(c.account)))
  const lines = [words.heading ?? `Plan for architecture ${up.arch}:`, indent(renderTable([], rows)), ...(words.upstream === false ? [] : ['', ...renderUpstream(up)])]
  const warnings = renderWarnings(up)
  if (warnings.length > 0) lines.push('', 'Warnings:', ...warnings)
  lines.push('', summaryLine(up))
  return lines.join('\n')
}

/** `Plan: 2 to start, 1 to resize, 1 to stop · ~$0.06/h · 3 free-tier hours/h` */
export function summaryLine(up: UpPlan): string {
  const cost = up.cost
  let usd = cost.paid.length === 0 ? '$0/h' : `~${formatUsd(cost.hourlyUsd)}/h`
  if (cost.unknownPrice.length > 0) usd = cost.unknownPrice.length === cost.paid.length ? 'price unknown' : `${usd} + price unknown`
  const hours = cost.freeTierHoursPerHour
  return `Plan: ${countsText(up.counts, up.upstream.changed === true)} · ${usd} · ${hours} free-tier ${hours === 1 ? 'hour' : 'hours'}/h`
}

function countsText(counts: PlanCounts, upstreamChanges: boolean): string {
  const parts = [
    counts.start && `${counts.start} to start`,
    counts.resize && `${counts.resize} to resize`,
    counts.stop && `${counts.stop} to stop`,
    counts.wait && `${counts.wait} to wait for`,
    counts.leftAlone && `${counts.leftAlone} left alone`,
  ].filter(Boolean)
  if (parts.length === 0) return upstreamChanges ? 'no instance to change, the upstream to sync' : 'no instance to change'
  return parts.join(', ')
}

function accountRow(c: PlannedChange, cost: RunningCost | undefined, drained: boolean): string[] {
  const price = cost ? priceText(cost) : ''
  if (isLeftAlone(c)) return ['!', 'skip', c.account, c.note ?? '', '']
  const leaves = drained ? ' (taken out of the upstream first)' : ''
  switch (c.action) {
    case 'start':
      return ['+', 'start', c.account, `${c.to.type}${c.from.state === 'stopping' ? ', stopping: wait until stopped, then start' : ''}`, price]
    case 'stop':
      return ['-', 'stop', c.account, `${c.from.type}${c.from.state === 'pending' ? ', pending: wait until running, then stop' : ''}${leaves}`, price]
    case 'resize':
      return ['~', 'resize', c.account, `${c.from.type} → ${c.to.type}: ${describeSteps(c.steps)}${leaves}`, price]
    default:
      if (c.steps.length > 0) return ['~', 'wait', c.account, `${c.from.state}: ${describeSteps(c.steps)}`, price]
      return [' ', '', c.account, `${c.from.state} ${c.from.type} (no change)`, price]
  }
}

const stepWords: Record<PlanStep, string> = {
  'wait-running': 'wait until running',
  'wait-status-ok': 'status checks pass',
  'wait-stopped': 'wait until stopped',
  stop: 'stop',
  'modify-type': 'change type',
  start: 'start',
}

/** `stop, change type, then start`: a stop's or a start's own wait goes without saying. */
export function describeSteps(steps: readonly PlanStep[]): string {
  const words: string[] = []
  steps.forEach((step, i) => {
    const previous = steps[i - 1]
    if (step === 'wait-stopped' && previous === 'stop') return
    if ((step === 'wait-running' && previous === 'start') || (step === 'wait-status-ok' && steps[i - 2] === 'start')) return
    if (step === 'wait-status-ok' && previous === 'wait-running') {
      words[words.length - 1] += ' and status checks pass'
      return
    }
    words.push(stepWords[step])
  })
  if (words.length < 2) return words.join('')
  return `${words.slice(0, -1).join(', ')}, then ${words.at(-1)}`
}

function renderUpstream(up: UpPlan): string[] {
  const u = up.upstream
  const head = u.before === null ? 'Upstream after the run (the current one was not read):' : `Upstream (${u.before.length} → ${u.after.length} servers):`
  if (u.entries.length === 0) return [head, '  (empty)']
  const sign = {stays: ' ', joins: '+', leaves: '-'}
  const rows = u.entries.map((e) => [sign[e.change], e.server ?? `${e.account}:${e.port} (new IP)`, entryNote(e, up.arch)])
  return [head, indent(renderTable([], rows))]
}

function entryNote(e: UpstreamEntry, arch: string): string {
  if (e.server === null) return ''
  switch (e.reason) {
    case 'stops':
      return `${e.account}, leaves before it stops`
    case 'outdated':
      return `${e.account}, no longer its address`
    case 'not-in-architecture':
      return `${e.account}, not an app server of architecture ${arch}`
    case 'unknown-server':
      return 'no instance of the profile has this IP now'
    default:
      return e.account ?? ''
  }
}

/** Warnings a converged plan still shows: the price of what already runs is no news. */
const stillTrue = (w: PlanWarning) => w.kind !== 'paid-type' && w.kind !== 'price-unknown'

function renderWarnings(up: UpPlan, keep: (w: PlanWarning) => boolean = () => true): string[] {
  return up.warnings.filter(keep).flatMap((w) => [`  ! ${w.message}`, ...(w.command ? [`      ${w.command}`] : [])])
}

function priceText(cost: RunningCost): string {
  if (cost.free) return 'free tier'
  return cost.hourlyUsd === null ? 'price unknown' : `$${cost.hourlyUsd}/h`
}

/** Two decimals from a cent up (`$0.06`), four below (`$0.0065`). */
export function formatUsd(usd: number): string {
  return `$${usd >= 0.01 ? usd.toFixed(2) : usd.toFixed(4)}`
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n')
