/**
 * The end of a load test for people (pure): the table, the verdicts and the
 * run's cost (src/loadtest/render.ts), the architectures that could not be
 * measured, where the files are, and what the fleet is left as: stopped by
 * `--down`, or what is still running and costing.
 */
import {errorLines} from '../output/errors.js'
import {renderDownResult} from '../up/render.js'
import {dirname} from 'node:path'
import {renderLoadtest} from './render.js'
import type {LoadtestResult} from './run.js'

export function renderLoadtestResult(result: LoadtestResult): string {
  const lines = [result.steps.length > 0 ? renderLoadtest(result) : `No step was measured.${result.interrupted ? ' Interrupted before the first measured step.' : ''}`]
  if (result.failures.length > 0) lines.push('', ...result.failures.map((f) => `✗ arch ${f.arch} was not measured: ${errorLines(f.error).join('\n  ')}`))
  if (result.warnings.length > 0) lines.push('', ...result.warnings.map((w) => `! ${w}`))
  lines.push('', `Report: ${result.files.html}`, `  with loadtest.json and loadtest.csv in ${dirname(result.files.json)}`)
  lines.push('', ...leftLines(result))
  return lines.join('\n')
}

function leftLines(result: LoadtestResult): string[] {
  if (result.down) return ['Stopped the fleet (--down):', renderDownResult(result.down)]
  if (result.downError) return [`✗ --down could not stop the fleet: ${errorLines(result.downError).join('\n  ')}`, 'Run `fleet down`.']
  if (result.stillCosting.length === 0) return ['✓ Nothing left that costs money.']
  return [
    'Still running and costing money (no --down):',
    ...result.stillCosting.map((i) => `  ${i.account}: ${i.detail}${i.hourlyUsd === null ? '' : ` (~$${i.hourlyUsd}/h)`}`),
    'Stop it with `fleet down` when you are done.',
  ]
}
