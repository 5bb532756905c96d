/**
 * The run as CSV (RFC 4180), one row per step, for a spreadsheet: the
 * JSON's figures flattened, one `cpu_app_<name>` column per app server seen
 * in the run (empty where that server was not part of the architecture).
 */
import {maxAppCpu} from './format.js'
import type {LoadtestReport} from './types.js'

const FIXED = [
  'run', 'arch', 'lb_type', 'apps', 'users', 'rps', 'requests', 'p50_ms', 'p95_ms', 'p99_ms', 'errors', 'non2xx',
  'cpu_lb', 'cpu_lb_max_core', 'cpu_app_max', 'lb_bytes', 'nginx_worker_connections', 'bottleneck',
] as const

/** Quotes a cell when it holds a comma, a quote or a line break. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** The CSV text, CRLF line ends as RFC 4180 says. */
export function renderCsv(report: LoadtestReport): string {
  const appNames = [...new Set(report.steps.flatMap((s) => Object.keys(s.cpu.apps)))]
  const info = new Map(report.architectures.map((a) => [a.arch, a]))
  const bottleneck = new Map(report.verdicts.map((v) => [v.arch, v.bottleneck]))
  const rows = report.steps.map((s) => [
    report.run,
    s.arch,
    info.get(s.arch)?.lbType ?? null,
    info.get(s.arch)?.apps.join(' ') ?? null,
    s.users,
    s.rps,
    s.requests,
    s.latencyMs.p50,
    s.latencyMs.p95,
    s.latencyMs.p99,
    s.errors,
    s.non2xx,
    s.cpu.lb,
    s.cpu.lbMaxCore ?? null,
    maxAppCpu(s),
    s.lbBytes,
    s.nginxWorkerConnections,
    bottleneck.get(s.arch) ?? null,
    ...appNames.map((name) => s.cpu.apps[name] ?? null),
  ])
  const head = [...FIXED, ...appNames.map((name) => `cpu_app_${name}`)]
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
