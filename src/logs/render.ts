/**
 * How `fleet logs` looks for people: `app-1 | line`, labels padded to one
 * width, coloured by account on a terminal only.
 */
import {redact} from '../output/redact.js'
import type {HostOutcome} from './logs.js'

/** ANSI foreground colours, red left out (it reads as an error). */
const PALETTE = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94]

/** True when `stream` is a terminal and the user has not asked for no colour (no-color.org). */
export function wantsColor(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb'
}

/** Formats one log line under its label; every label is padded to the longest. */
export function lineFormatter(labels: readonly string[], options: {color: boolean}): (label: string, line: string) => string {
  const width = Math.max(0, ...labels.map((label) => label.length))
  const colours = new Map(labels.map((label, i) => [label, PALETTE[i % PALETTE.length]!]))
  return (label, line) => {
    const prefix = `${label.padEnd(width)} |`
    const colour = colours.get(label)
    return options.color && colour !== undefined ? `\u001B[${colour}m${prefix}\u001B[39m ${line}` : `${prefix} ${line}`
  }
}

/** What stderr says about a host that was skipped or failed; null for one that streamed. */
export function hostProblem(outcome: HostOutcome): string | null {
  if (outcome.skipped) return `${outcome.label}: ${outcome.skipped}, skipped`
  if (outcome.ok || !outcome.error) return null
  const lines = [`${outcome.label}: ${redact(outcome.error.message)}`]
  for (const step of outcome.nextSteps) lines.push(`  → ${redact(step)}`)
  return lines.join('\n')
}

/** A log line in `--json` output. */
export interface LogLineJson {
  account: string
  source: 'app' | 'nginx'
  stream: 'stdout' | 'stderr'
  line: string
}

/** A source's outcome in `--json` output (`error` is null or `{code, message}`). */
export interface HostJson {
  account: string
  source: 'app' | 'nginx'
  instanceId: string | null
  ok: boolean
  skipped: string | null
  error: {code: string; message: string} | null
}

export function hostJson(outcome: HostOutcome): HostJson {
  const {account, source, instanceId, ok, skipped, error} = outcome
  return {account, source, instanceId, ok, skipped, error}
}
