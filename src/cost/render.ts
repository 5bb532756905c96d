import {errorLines} from '../output/errors.js'
import {renderTable} from '../output/table.js'
import {CE_USD_PER_REQUEST} from './query.js'
import {CREDIT_RECORD_TYPE} from './rollup.js'
import {COST_GROUPS, type CostAccountEntry, type CostGroup, type CostReport, type FreeHours, type UsageLine} from './types.js'
import type {TrafficRefresh} from './traffic.js'
import {CW_USD_PER_METRIC, type TrafficEstimate, WATCH_LABEL} from './watch.js'

const GROUP_HEADS: Record<CostGroup, string> = {
  'ec2-hours': 'EC2 HOURS',
  'public-ipv4': 'PUBLIC IPV4',
  'regional-transfer': 'REGIONAL',
  'internet-egress': 'EGRESS',
  rds: 'RDS',
  other: 'OTHER',
}

/** Dollars for people: cents, and "<$0.01" for a charge too small to show as one. */
export function usd(n: number): string {
  if (n > 0 && n < 0.005) return '<$0.01'
  if (n < 0 && n > -0.005) return '-<$0.01'
  return `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`
}

function quantity(line: UsageLine): string | null {
  if (line.quantity === 0 && line.recordType === CREDIT_RECORD_TYPE) return null
  const q = Number.isInteger(line.quantity) ? String(line.quantity) : line.quantity.toFixed(line.quantity < 1 ? 4 : 2)
  return line.unit ? `${q} ${line.unit}` : q
}

/** "2 Cost Explorer requests, $0.02" (cached runs say so). */
export function ceRequestsLine(count: number, fromCache: boolean): string {
  const requests = `${count} Cost Explorer request${count === 1 ? '' : 's'}, ${usd(count * CE_USD_PER_REQUEST)}`
  return fromCache ? `${requests} (answers from the cache)` : requests
}

/** The free-tier hours line of an account. */
export function freeHoursLine(name: string, f: FreeHours): string {
  if (f.hoursAllowed === null) return `${name}: ${f.hoursUsed} h of free types billed (credit plan: no hour allowance; credits pay for usage)`
  return `${name}: ${f.hoursUsed} of ${f.hoursAllowed} free-tier hours used, ${f.hoursLeft ?? 0} left`
}

function accountRow(a: CostAccountEntry): Array<string | null> {
  if (!a.ok || !a.byGroup) return [a.name, ...COST_GROUPS.map(() => null), 'ERROR', null, null]
  const star = a.estimated ? '*' : ''
  return [
    a.name,
    ...COST_GROUPS.map((g) => (a.byGroup![g] === 0 ? null : usd(a.byGroup![g]))),
    usd(a.totalUsd ?? 0) + star,
    a.creditsUsd ? usd(a.creditsUsd) : null,
    usd(a.projectedUsd ?? 0),
  ]
}

/** The dearest charges of an account, then every credit it got. */
export function topLines(a: CostAccountEntry, top: number): UsageLine[] {
  const charges = a.byUsageType.filter((l) => l.recordType !== CREDIT_RECORD_TYPE && l.usd !== 0).slice(0, top)
  return [...charges, ...a.byUsageType.filter((l) => l.recordType === CREDIT_RECORD_TYPE)]
}

function details(a: CostAccountEntry, top: number): string[] {
  if (!a.ok) {
    const [message, ...steps] = errorLines(a.error ?? {message: 'failed'}, '  ')
    return [`✗ ${a.name}: ${message}`, ...steps]
  }
  const lines = topLines(a, top)
  if (lines.length === 0) return [`${a.name}: nothing billed yet this month`]
  const rows = lines.map((l) => [l.recordType === CREDIT_RECORD_TYPE ? `${l.usageType} (credit)` : l.usageType || '(no usage type)', l.group, quantity(l), usd(l.usd)])
  return [`${a.name}:`, ...renderTable(['  USAGE TYPE', 'GROUP', 'QUANTITY', 'USD'], rows.map(([u, ...rest]) => [`  ${u}`, ...rest])).split('\n')]
}

/** Options for `renderCost`. */
export interface RenderCostOptions {
  /** `cost.alertUsd`: a warning for each account whose month to date passes it. */
  alertUsd?: number
  /** How many usage types to list under each account (default 5). */
  top?: number
}

/**
 * `fleet cost` for people: accounts × groups with totals, credits and the
 * month-end projection; the top usage types of each account; free-tier
 * hours; alerts; and what the Cost Explorer requests cost.
 */
export function renderCost(report: CostReport, options: RenderCostOptions = {}): string {
  const top = options.top ?? 5
  const head = ['ACCOUNT', ...COST_GROUPS.map((g) => GROUP_HEADS[g]), 'TOTAL', 'CREDITS', 'MONTH-END']
  const out = [`Cost ${report.month} (UTC), month to date`, '', renderTable(head, report.accounts.map(accountRow))]
  if (report.accounts.some((a) => a.estimated)) out.push('* estimated: Cost Explorer may still change these figures, and its data lags by hours.')
  for (const a of report.accounts) out.push('', ...details(a, top))
  const free = report.accounts.flatMap((a) => (a.freeTier ? [freeHoursLine(a.name, a.freeTier)] : []))
  if (free.length > 0) out.push('', 'Free tier (billed BoxUsage hours of the free types):', ...free.map((l) => `  ${l}`))
  const alerts = options.alertUsd === undefined ? [] : alertLines(report.accounts, options.alertUsd)
  if (alerts.length > 0) out.push('', ...alerts)
  out.push('', ceRequestsLine(report.ceRequests, report.fromCache))
  const cached = cachedLine(report.accounts)
  if (cached) out.push(cached)
  return out.join('\n')
}

/** Which answers came from the cache and how old the oldest is, so people know what they look at. */
function cachedLine(accounts: readonly CostAccountEntry[]): string | null {
  const cached = accounts.filter((a) => a.fromCache && a.fetchedAt)
  if (cached.length === 0) return null
  const oldest = cached.map((a) => a.fetchedAt!).sort()[0]!
  return `From the cache: ${cached.map((a) => a.name).join(', ')} (asked ${oldest.slice(0, 16).replace('T', ' ')} UTC); --refresh asks again.`
}

/** A warning for each account whose month to date (credits not netted) passes `alertUsd`. */
export function alertLines(accounts: readonly CostAccountEntry[], alertUsd: number): string[] {
  return accounts.flatMap((a) => {
    if (a.totalUsd === null || a.totalUsd <= alertUsd) return []
    const net = a.creditsUsd ? ` (${usd(a.netUsd ?? a.totalUsd)} after credits)` : ''
    return [`⚠ ${a.name}: ${usd(a.totalUsd)} month to date${net} is over cost.alertUsd ${usd(alertUsd)}`]
  })
}

/** What `--fail-over` found: each account over the limit, named with its month to date. */
export function failOverLines(report: CostReport): string[] {
  const f = report.failOver
  if (!f) return []
  return f.over.map((o) => `✗ ${o.name}: ${usd(o.totalUsd)} month to date passes --fail-over ${usd(f.limitUsd)}`)
}

/**
 * One refresh of `--watch`: per account the bytes of the newest 5-minute
 * period, their estimated cost, and the metrics requested.
 */
export function renderWatch(at: Date, accounts: ReadonlyArray<{name: string; traffic: TrafficEstimate | null; error?: string}>): string {
  const rows = accounts.map(({name, traffic: t, error}) =>
    t ? [name, gb(t.bytesIn), gb(t.bytesOut), `~${usd(t.usd)}`, t.periodStart ? t.periodStart.slice(11, 16) + 'Z' : 'no data yet'] : [name, null, null, null, error ?? 'ERROR'],
  )
  const metrics = accounts.reduce((s, a) => s + (a.traffic?.metricsRequested ?? 0), 0)
  return [
    `Traffic at ${at.toISOString().slice(0, 19)}Z (${WATCH_LABEL})`,
    renderTable(['ACCOUNT', 'IN', 'OUT', 'EST. COST', 'PERIOD'], rows),
    `${metrics} CloudWatch metric${metrics === 1 ? '' : 's'} requested, ~${usd(metrics * CW_USD_PER_METRIC)}; counts load-generator and database traffic too`,
  ].join('\n')
}

function gb(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e9).toFixed(2)} GB`
}

/** The traffic part of a `--watch` refresh, per account (what `renderWatch` takes). */
export function watchAccounts(t: TrafficRefresh): Array<{name: string; traffic: TrafficEstimate | null; error?: string}> {
  return t.accounts.map((a) => ({name: a.name, traffic: a.traffic, error: a.error ? `${a.error.code}: ${a.error.message}` : undefined}))
}

/**
 * One `--watch` refresh on one line, for a pipe or a log: the time, each
 * account's bytes in and out and their estimated cost, the total, and the
 * CloudWatch metrics asked for.
 */
export function watchLine(t: TrafficRefresh, metricsRequestedTotal: number): string {
  const parts = t.accounts.map((a) => {
    if (!a.traffic) return `${a.name} ERROR ${a.error?.code ?? ''}`.trimEnd()
    if (!a.traffic.periodStart) return `${a.name} no data yet`
    return `${a.name} in ${gb(a.traffic.bytesIn)} out ${gb(a.traffic.bytesOut)} ~${usd(a.traffic.usd)}`
  })
  const metrics = `${t.metricsRequested} CloudWatch metric${t.metricsRequested === 1 ? '' : 's'} (${metricsRequestedTotal} this watch, ~${usd(metricsRequestedTotal * CW_USD_PER_METRIC)})`
  return `${t.at.slice(0, 19)}Z traffic (${WATCH_LABEL}): ${[...parts, `total ~${usd(t.usd)}`, metrics].join(' · ')}`
}
