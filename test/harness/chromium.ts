/**
 * Debian's Chromium, headless, on a local page (the load-test report): no
 * network services, a throwaway profile, the page's scripts run before the
 * DOM dump or the screenshot (--virtual-time-budget). The report marks each
 * chart canvas with how many pixels it inked (`data-ink`) and the body with
 * `data-charts-ready` once Chart.js has drawn: `chartsOf` reads those marks.
 */
import {execFile} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {mkdir, readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

import {tempDir} from './temp-dirs.ts'

const run = promisify(execFile)

/** Where screenshots are kept (printed by the tests, looked at by people). */
export const SCREENSHOTS = join(tmpdir(), 'fleet-loadtest-screenshots')

/** `$CHROMIUM`, else chromium or chromium-browser on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  const names = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser']
  for (const name of names) {
    for (const dir of name.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter)) {
      const path = dir ? join(dir, name) : name
      try {
        accessSync(path, constants.X_OK)
        return path
      } catch {
        // Not there.
      }
    }
  }
  return undefined
}

/** Runs headless Chromium on a local file with `mode` (e.g. `--dump-dom`); returns its stdout. */
export async function openPage(chromium: string, page: string, mode: string[]): Promise<string> {
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--no-default-browser-check', `--user-data-dir=${tempDir('fleet-chromium-')}`,
    // Lets the page's scripts (Chart.js) run before the dump or the screenshot.
    '--virtual-time-budget=5000', '--run-all-compositor-stages-before-draw',
    ...mode, pathToFileURL(page).href,
  ]
  const {stdout} = await run(chromium, args, {timeout: 60_000, maxBuffer: 64 * 1024 * 1024})
  return stdout
}

export interface ChartMarks {
  /** `data-charts-ready` on the body: how many charts Chart.js drew (null: none). */
  ready: number | null
  /** Per canvas id, the pixels it inked (null: no such canvas or no mark). */
  ink: Record<string, number | null>
}

/** The page's own marks, from the DOM after its scripts ran. */
export async function chartsOf(chromium: string, page: string, ids: readonly string[] = ['rps-chart', 'p99-chart']): Promise<ChartMarks> {
  const dom = await openPage(chromium, page, ['--dump-dom'])
  const ready = /<body[^>]*data-charts-ready="(\d+)"/.exec(dom)?.[1]
  const ink: Record<string, number | null> = {}
  for (const id of ids) {
    const canvas = new RegExp(`<canvas id="${id}"[^>]*>`).exec(dom)?.[0]
    const mark = canvas ? /data-ink="(\d+)"/.exec(canvas)?.[1] : undefined
    ink[id] = mark === undefined ? null : Number(mark)
  }
  return {ready: ready === undefined ? null : Number(ready), ink}
}

/** A PNG of the page under SCREENSHOTS/<name>.png; rejects when Chromium wrote no PNG. */
export async function screenshot(chromium: string, page: string, name: string, size = '1200,1600'): Promise<string> {
  await mkdir(SCREENSHOTS, {recursive: true})
  const png = join(SCREENSHOTS, `${name}.png`)
  await openPage(chromium, page, [`--window-size=${size}`, `--screenshot=${png}`])
  const header = (await readFile(png)).subarray(0, 8).toString('hex')
  if (header !== '89504e470d0a1a0a') throw new Error(`${png} is not a PNG (header ${header})`)
  return png
}
