/**
 * How the tables, the CSV and the page write figures, so all three agree.
 */
import {usd} from '../cost/render.js'
import {pinLabel} from './pin.js'
import type {ArchInfo, LoadtestReport, RunCost, StepRecord, Verdict} from './types.js'

export {usd}

/** 1,234 */
export const int = (n: number): string => Math.round(n).toLocaleString('en-US')

/** `93%`, `-` when not sampled. */
export const percentText = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : `${Math.round(n)}%`)

/** `12 ms`, `1.2 s`; `-` without responses. */
export function msText(n: number | null): string {
  if (n === null) return '-'
  if (n >= 1000) return `${(n / 1000).toFixed(1)} s`
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`
}

/** The busiest app server of a step, or null when none was sampled. */
export function maxAppCpu(step: StepRecord): number | null {
  const values = Object.values(step.cpu.apps).filter((v): v is number => v !== null)
  return values.length > 0 ? Math.max(...values) : null
}

/** Each architecture with its steps (by users) and verdict, in the report's order. */
export function groupByArch(report: Pick<LoadtestReport, 'architectures' | 'steps' | 'verdicts'>): Array<{info: ArchInfo; steps: StepRecord[]; verdict: Verdict | null}> {
  const known = new Map(report.architectures.map((a) => [a.arch, a]))
  const order = [...new Set([...report.architectures.map((a) => a.arch), ...report.steps.map((s) => s.arch)])]
  return order.map((arch) => ({
    info: known.get(arch) ?? {arch, lbType: '?', apps: []},
    steps: report.steps.filter((s) => s.arch === arch).sort((a, b) => a.users - b.users),
    verdict: report.verdicts.find((v) => v.arch === arch) ?? null,
  }))
}

/** `$0.07: t2.medium 0.5 h $0.03 · 3 free-tier hours · public IPv4 3.5 h $0.02 · transfer 2.5 GB $0.03` */
export function costLine(cost: RunCost): string {
  const paid = cost.instances.filter((i) => !i.free).map((i) => `${i.type} ${round2(i.hours)} h ${i.priceKnown ? usd(i.usd) : 'price unknown'}`)
  const parts = [
    ...paid,
    `${round2(cost.freeTierHours)} free-tier hours`,
    `public IPv4 ${round2(cost.publicIpv4.hours)} h ${usd(cost.publicIpv4.usd)}`,
    `transfer ${round2(cost.transfer.gb)} GB ${usd(cost.transfer.usd)}`,
  ]
  return `${usd(cost.totalUsd)}: ${parts.join(' · ')}`
}

/** Two decimals; a positive amount too small to show as one is `<0.01` rather than a misleading 0. */
const round2 = (n: number): string => (n > 0 && n < 0.005 ? '<0.01' : String(Math.round(n * 100) / 100))

/**
 * Where the load went: `Target: https://parking.example.com/ → 54.180.12.7:443
 * (lb's public IP; DNS not used)`, one line per architecture when the LB's IP
 * changed between them; none for a report without `address` (older runs).
 */
export function targetLines(report: Pick<LoadtestReport, 'target' | 'address' | 'architectures'>): string[] {
  const {address} = report
  if (!address) return []
  const known = report.architectures.filter((a) => a.address !== undefined)
  const lines = known.map((a) => pinLabel(a.target ?? report.target, address, a.address!))
  if (new Set(lines).size <= 1) return [`Target: ${lines[0] ?? pinLabel(report.target, address, address.at)}`]
  return known.map((a, i) => `Target of arch ${a.arch}: ${lines[i]}`)
}
