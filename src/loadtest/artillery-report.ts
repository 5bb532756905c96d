/**
 * Artillery's JSON report (`artillery run --output report.json`) as a step
 * result (pure). Only the `aggregate` section is read: its counters
 * (`http.responses`, `http.codes.<status>`, `errors.<code>`), its rate
 * (`http.request_rate`), its `http.response_time` summary (ms) and the
 * first/last counter times (epoch ms), which bound the measured window.
 */
import {ExternalError} from '../errors.js'
import {isCertificateError} from './pin.js'
import type {LatencyMs, StepResult} from './types.js'

interface Summary {
  p50?: number
  median?: number
  p95?: number
  p99?: number
}

interface Aggregate {
  counters?: Record<string, number>
  rates?: Record<string, number>
  summaries?: Record<string, Summary>
  firstCounterAt?: number
  lastCounterAt?: number
}

const sumWhere = (counters: Record<string, number>, keep: (name: string) => boolean): number =>
  Object.entries(counters).reduce((total, [name, value]) => (keep(name) && Number.isFinite(value) ? total + value : total), 0)

function latencyOf(summary: Summary | undefined): LatencyMs {
  const value = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null)
  if (!summary) return {p50: null, p95: null, p99: null}
  return {p50: value(summary.p50 ?? summary.median), p95: value(summary.p95), p99: value(summary.p99)}
}

function aggregateOf(report: unknown): Aggregate {
  const aggregate = (report as {aggregate?: unknown} | null)?.aggregate
  if (!aggregate || typeof aggregate !== 'object') {
    throw new ExternalError('ArtilleryReport', 'The Artillery report has no "aggregate" section: is it the file `artillery run --output` wrote?')
  }
  return aggregate as Aggregate
}

export interface ReportContext {
  /** The step's configured duration: the window when the report has no counter times. */
  durationMs: number
  /** When the run started (epoch ms), for the same case. */
  startedAt: number
  aborted: boolean
}

/** The step result from a parsed Artillery report. */
export function stepResultFromReport(report: unknown, context: ReportContext): StepResult {
  const aggregate = aggregateOf(report)
  const counters = aggregate.counters ?? {}
  const requests = counters['http.responses'] ?? 0
  const from = aggregate.firstCounterAt ?? context.startedAt
  const to = aggregate.lastCounterAt ?? from + context.durationMs
  const seconds = (to - from) / 1000
  const rate = aggregate.rates?.['http.request_rate']
  const rps = seconds > 0 ? requests / seconds : (rate ?? 0)
  return {
    rps: Math.round(rps * 10) / 10,
    latencyMs: latencyOf(aggregate.summaries?.['http.response_time']),
    errors: sumWhere(counters, (name) => name.startsWith('errors.')),
    non2xx: sumWhere(counters, (name) => /^http\.codes\.\d+$/.test(name) && !/^http\.codes\.2\d\d$/.test(name)),
    requests,
    measuredFrom: from,
    measuredTo: Math.max(from, to),
    aborted: context.aborted,
  }
}

/** The certificate errors Artillery counted (`errors.ERR_TLS_CERT_ALTNAME_INVALID`, ...): codes and counts. */
export function certificateErrors(report: unknown): Array<{code: string; count: number}> {
  const counters = aggregateOf(report).counters ?? {}
  return Object.entries(counters).flatMap(([name, count]) => (name.startsWith('errors.') && isCertificateError(name.slice(7)) && count > 0 ? [{code: name.slice(7), count}] : []))
}
