import {formatDuration} from '../util/duration.js'
import {alertLines, renderCost, renderWatch, watchAccounts, watchLine} from './render.js'
import type {CostRun, WatchFrame} from './service.js'

/**
 * How `--watch` shows itself: `screen` redraws a terminal in place, `lines`
 * prints the cost table once and then one line per refresh (a pipe, a log),
 * `json` prints one JSON document per line per refresh: the `cost` document
 * with the refresh's `traffic` added.
 */
export type WatchMode = 'screen' | 'lines' | 'json'

/** Where text goes (process.stdout / process.stderr). */
export interface Writer {
  write(text: string): unknown
}

export interface WatchPrinterOptions {
  mode: WatchMode
  intervalMs: number
  alertUsd?: number
  out: Writer
  err: Writer
}

// Cursor home, then clear the screen: the next frame replaces the last.
const CLEAR = '\u001B[H\u001B[2J'

export function watchPrinter(o: WatchPrinterOptions): {onStart(run: CostRun): void; onRefresh(frame: WatchFrame): void} {
  const costText = (run: Pick<CostRun, 'report'>) => renderCost(run.report, {alertUsd: o.alertUsd})
  const footer = `Traffic every ${formatDuration(o.intervalMs)}; Cost Explorer stays on its cache. Ctrl-C ends.`
  return {
    onStart(run) {
      for (const warning of run.warnings) o.err.write(`Warning: ${warning}\n`)
      if (o.mode === 'json' && o.alertUsd !== undefined) for (const line of alertLines(run.report.accounts, o.alertUsd)) o.err.write(`${line}\n`)
      if (o.mode === 'lines') o.out.write(`${costText(run)}\n\n`)
      if (o.mode === 'screen') o.out.write(`${CLEAR}${costText(run)}\n\nReading the fleet's traffic from CloudWatch…\n`)
    },
    onRefresh({report, traffic, metricsRequestedTotal}) {
      if (o.mode === 'json') o.out.write(`${JSON.stringify({...report, traffic: {...traffic, metricsRequestedTotal}})}\n`)
      else if (o.mode === 'lines') o.out.write(`${watchLine(traffic, metricsRequestedTotal)}\n`)
      else o.out.write(`${CLEAR}${costText({report})}\n\n${renderWatch(new Date(traffic.at), watchAccounts(traffic))}\n\n${footer}\n`)
    },
  }
}
