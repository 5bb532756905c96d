/**
 * The run's files under `$FLEET_HOME/runs/<time>/`: `loadtest.json` (the
 * contract), `loadtest.csv` and `report.html`. Each is written to a temp file
 * and renamed, so the command can rewrite them after every step (a run cut
 * short keeps what it measured) and a reader never sees half a file.
 */
import {mkdir, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {renderCsv} from './csv.js'
import {renderHtml} from './html.js'
import {type ReportInput, buildReport, runId} from './report.js'
import type {LoadtestReport} from './types.js'

export interface RunFiles {
  run: string
  dir: string
  json: string
  csv: string
  html: string
}

const MAX_SAME_SECOND = 100

/**
 * Makes the run's folder, new: a second run started in the same second gets
 * `<time>-2`, and so on. Returns the run id (the folder's name) and paths.
 */
export async function makeRunFolder(runsDir: string, startedAt: Date): Promise<RunFiles> {
  await mkdir(runsDir, {recursive: true})
  const base = runId(startedAt)
  for (let n = 1; n <= MAX_SAME_SECOND; n++) {
    const run = n === 1 ? base : `${base}-${n}`
    const dir = join(runsDir, run)
    try {
      await mkdir(dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw error
    }
    return {run, dir, json: join(dir, 'loadtest.json'), csv: join(dir, 'loadtest.csv'), html: join(dir, 'report.html')}
  }
  throw new Error(`${MAX_SAME_SECOND} runs already started at ${base} in ${runsDir}`)
}

async function replaceFile(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`
  await writeFile(temp, content)
  await rename(temp, path)
}

/** Writes (or rewrites) the three files of a report. */
export async function writeRunFiles(report: LoadtestReport, files: RunFiles): Promise<void> {
  await replaceFile(files.csv, renderCsv(report))
  await replaceFile(files.html, renderHtml(report))
  // The JSON last: once it is there, the page and the CSV it names are too.
  await replaceFile(files.json, `${JSON.stringify(report, null, 2)}\n`)
}

/** Builds the report of a run in `files`' folder and writes its files; returns the report. */
export async function saveRun(input: Omit<ReportInput, 'run' | 'report'>, files: RunFiles): Promise<LoadtestReport> {
  const report = buildReport({...input, run: files.run, report: files.html})
  await writeRunFiles(report, files)
  return report
}
