/**
 * The table printed at the end of `fleet loadtest`: one row per step, the
 * architecture's name, LB type and apps on its first row and its bottleneck
 * on its last; then each verdict's sentence and the run's cost.
 */
import {renderTable} from '../output/table.js'
import {costLine, groupByArch, int, maxAppCpu, msText, percentText, targetLines} from './format.js'
import type {LoadtestReport} from './types.js'

const HEAD = ['ARCH', 'LB', 'APPS', 'USERS', 'RPS', 'P99', 'ERRORS', 'NON-2XX', 'LB CPU', 'MAX APP CPU', 'VERDICT']

/** The results for people (the JSON is for scripts). */
export function renderLoadtest(report: LoadtestReport): string {
  const rows: Array<Array<string | number | null>> = []
  const groups = groupByArch(report)
  for (const {info, steps, verdict} of groups) {
    steps.forEach((step, i) => {
      const first = i === 0
      rows.push([
        first ? info.arch : '',
        first ? info.lbType : '',
        first ? String(info.apps.length) : '',
        int(step.users),
        int(step.rps),
        msText(step.latencyMs.p99),
        int(step.errors),
        int(step.non2xx),
        percentText(step.cpu.lb),
        percentText(maxAppCpu(step)),
        i === steps.length - 1 ? (verdict?.bottleneck ?? '') + (step.aborted ? ' (interrupted)' : '') : '',
      ])
    })
  }
  const lines = [renderTable(HEAD, rows), '']
  for (const {info, verdict} of groups) if (verdict) lines.push(`arch ${info.arch}: ${verdict.bottleneck}. ${verdict.why}`)
  lines.push('', ...targetLines(report), `Run cost ${costLine(report.cost)}`)
  if (report.interrupted) lines.push('Interrupted: the steps above are those measured before Ctrl-C.')
  return lines.join('\n')
}
