/**
 * Assembling the results (pure): an engine's step result and the hosts'
 * summaries become a step record; the records, the cost and the run's
 * settings become the `loadtest` JSON (spec section 5), verdicts included.
 */
import type {HostSummary} from './host-summary.js'
import type {AlertMatch} from './nginx-alerts.js'
import {verdicts} from './verdict.js'
import type {LoadtestReport, StepRecord, StepResult} from './types.js'

export interface StepHosts {
  /** The LB's figures; null when it could not be sampled. */
  lb: HostSummary | null
  apps: Record<string, HostSummary | null>
  /** The nginx alert check after the step; null when it could not run. */
  alerts: AlertMatch | null
}

/** One step record: what the engine measured and what the hosts did meanwhile. */
export function stepRecord(arch: string, users: number, result: StepResult, hosts: StepHosts): StepRecord {
  const record: StepRecord = {
    arch,
    users,
    rps: result.rps,
    latencyMs: result.latencyMs,
    errors: result.errors,
    non2xx: result.non2xx,
    requests: result.requests,
    cpu: {
      lb: hosts.lb?.cpu ?? null,
      lbMaxCore: hosts.lb?.cpuMaxCore ?? null,
      apps: Object.fromEntries(Object.entries(hosts.apps).map(([name, summary]) => [name, summary?.cpu ?? null])),
    },
    lbBytes: hosts.lb?.bytes ?? null,
    nginxWorkerConnections: (hosts.alerts?.count ?? 0) > 0,
    generatorCpu: result.generatorCpu ?? null,
  }
  if (result.aborted) record.aborted = true
  return record
}

/** A run's id and folder name: its UTC start time, `2026-11-30T07-10-00Z` (no `:`, which some file systems refuse). */
export function runId(startedAt: Date): string {
  return startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-')
}

/** What a report is built from: the JSON less what is derived (verdicts, costUsd); `interrupted` defaults to false. */
export type ReportInput = Omit<LoadtestReport, 'verdicts' | 'costUsd' | 'interrupted'> & {interrupted?: boolean}

/** The `loadtest` JSON, with a verdict per architecture that has steps. */
export function buildReport(input: ReportInput): LoadtestReport {
  return {...input, verdicts: verdicts(input.steps), costUsd: input.cost.totalUsd, interrupted: input.interrupted ?? false}
}

/** The total bytes through the LB over the run's steps (for the cost). */
export function totalLbBytes(steps: StepRecord[]): number {
  return steps.reduce((sum, step) => sum + (step.lbBytes ?? 0), 0)
}
