/**
 * `--engine artillery`: the same step handed to Artillery, run as a child
 * process (`artillery run --output report.json script.yml`), its JSON report
 * read back. Beyond one machine the in-process generator becomes the
 * bottleneck; Artillery can then be pointed at its own distributed runners,
 * which fleet does not reimplement. Artillery is not a dependency of fleet:
 * it is found on PATH (or `FLEET_ARTILLERY`), else run through npx.
 *
 * A warm-up is a run of its own before the measured one (its report is
 * discarded): Artillery's report aggregates a whole run, and the summaries of
 * its 10 s periods cannot be merged into exact percentiles.
 *
 * The script connects to the step's address, never to what DNS says
 * (src/loadtest/artillery-script.ts); Artillery, a Node process, trusts the
 * CAs of NODE_EXTRA_CA_CERTS as fleet does (it inherits fleet's environment).
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'

import createDebug from 'debug'

import {ExternalError, UsageError} from '../errors.js'
import {PROCESSOR_FILE, artilleryProcessor, artilleryScript} from './artillery-script.js'
import {certificateErrors, stepResultFromReport} from './artillery-report.js'
import {pinnedAddress, pinTarget} from './pin.js'
import {checkStep} from './step.js'
import type {LoadEngine, StepResult, StepSpec} from './types.js'

export interface ArtilleryEngineOptions {
  /** The command that runs Artillery (default: `findArtillery()`). */
  command?: string[]
  /** Where each step's folder (script, processor, report) is made; default the OS temp folder. */
  workDir?: string
  /** Keep the step folders (to look at the script and report). */
  keepFiles?: boolean
  /** Called with each folder made, e.g. to print it with keepFiles. */
  onFolder?: (dir: string) => void
  env?: NodeJS.ProcessEnv
}

const debug = createDebug('fleet:loadtest')

/** After an abort, how long Artillery may take to end on its own before it is interrupted. */
const ABORT_GRACE_MS = 10_000
const KILL_AFTER_MS = 5000
const OUTPUT_TAIL = 4000

/** `FLEET_ARTILLERY`, else `artillery` on PATH, else `npx --yes artillery@2`. */
export function findArtillery(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.FLEET_ARTILLERY) return [env.FLEET_ARTILLERY]
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'artillery')
    try {
      accessSync(candidate, constants.X_OK)
      return [candidate]
    } catch {
      // Not in this folder.
    }
  }
  return ['npx', '--yes', 'artillery@2']
}

/** The Artillery engine. */
export function artilleryEngine(options: ArtilleryEngineOptions = {}): LoadEngine {
  return (step) => runArtilleryStep(step, options)
}

/** Runs one step with Artillery; resolves with what was measured, also when `step.signal` aborted it. */
export async function runArtilleryStep(step: StepSpec, options: ArtilleryEngineOptions = {}): Promise<StepResult> {
  checkStep(step)
  const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'fleet-artillery-'))
  options.onFolder?.(dir)
  try {
    if ((step.warmupMs ?? 0) > 0) {
      const warmup = await runOnce(step, step.warmupMs!, join(dir, 'warmup'), options)
      refuseCertificate(step, await readReport(warmup.reportFile))
      if (warmup.aborted) return {...emptyResult(), aborted: true}
    }
    const measured = await runOnce(step, step.durationMs, join(dir, 'step'), options)
    const report = await readReport(measured.reportFile)
    refuseCertificate(step, report)
    return stepResultFromReport(report, {durationMs: step.durationMs, startedAt: measured.startedAt, aborted: measured.aborted})
  } finally {
    if (!options.keepFiles) await rm(dir, {recursive: true, force: true})
  }
}

async function readReport(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown
}

/**
 * Artillery refuses each connection whose certificate is not valid for the
 * URL's name (Node's check, before any request): that is no measurement, and
 * the step fails as the in-process engine's does.
 */
function refuseCertificate(step: StepSpec, report: unknown): void {
  const found = certificateErrors(report)
  if (found.length === 0) return
  const pin = pinTarget(step.url, step.address)
  throw new UsageError('TargetCertificate', `The certificate at ${pinnedAddress(pin)} is not valid for ${pin.hostname} (Artillery: ${found.map((f) => `${f.code} ×${f.count}`).join(', ')}): no request was sent on those connections.`, {
    nextSteps: ['Check that loadtest.url names the site whose certificate nginx serves; a private CA is trusted with NODE_EXTRA_CA_CERTS=<its PEM file> in fleet\'s environment (Artillery inherits it).'],
  })
}

interface RunOutcome {
  reportFile: string
  startedAt: number
  aborted: boolean
}

/** One `artillery run` in its own folder: script, processor (the script names it relative to itself), report. */
async function runOnce(step: StepSpec, runMs: number, folder: string, options: ArtilleryEngineOptions): Promise<RunOutcome> {
  await mkdir(folder)
  const stopFile = join(folder, 'stop')
  const scriptFile = join(folder, 'script.yml')
  const reportFile = join(folder, 'report.json')
  const scriptOptions = {runMs, stopFile}
  await writeFile(join(folder, PROCESSOR_FILE), artilleryProcessor(scriptOptions))
  await writeFile(scriptFile, JSON.stringify(artilleryScript(step, scriptOptions), null, 2))
  if (step.signal?.aborted) return {reportFile, startedAt: Date.now(), aborted: true}

  const [command, ...args] = options.command ?? findArtillery(options.env)
  const startedAt = Date.now()
  debug('%s %o in %s', command, [...args, 'run', '--output', reportFile, scriptFile], folder)
  const child = spawn(command!, [...args, 'run', '--output', reportFile, scriptFile], {
    cwd: folder,
    env: {...(options.env ?? process.env), ARTILLERY_DISABLE_TELEMETRY: 'true'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let aborted = false
  const onAbort = () => {
    aborted = true
    // The processor sees the file within 100 ms: users stop looping and Artillery writes its report.
    void writeFile(stopFile, '')
    interruptLater(child, step.thinkMs + ABORT_GRACE_MS)
  }
  step.signal?.addEventListener('abort', onAbort, {once: true})
  try {
    const {code, output} = await exited(child, command!)
    const reportExists = await readFile(reportFile).then(() => true, () => false)
    if (!reportExists) {
      if (aborted) return {reportFile: await writeEmptyReport(reportFile), startedAt, aborted}
      throw new ExternalError('ArtilleryFailed', `Artillery exited with ${code} and wrote no report:\n${output.trim()}`, {
        nextSteps: ['Check that `artillery run` works on this machine, or use --engine autocannon.'],
      })
    }
    return {reportFile, startedAt, aborted}
  } finally {
    step.signal?.removeEventListener('abort', onAbort)
  }
}

/** SIGINT when Artillery does not end on its own, SIGKILL when it ignores that too. */
function interruptLater(child: ChildProcess, afterMs: number): void {
  const interrupt = setTimeout(() => {
    child.kill('SIGINT')
    setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref()
  }, afterMs)
  interrupt.unref()
  child.once('exit', () => clearTimeout(interrupt))
}

function exited(child: ChildProcess, command: string): Promise<{code: number | null; output: string}> {
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL))
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT'
      reject(
        new ExternalError(missing ? 'ArtilleryMissing' : 'ArtilleryFailed', missing ? `Artillery was not found (${command}).` : `Artillery could not start: ${error.message}`, {
          nextSteps: ['Install it (npm install -g artillery), put it on PATH or set FLEET_ARTILLERY to its path, or use --engine autocannon.'],
          cause: error,
        }),
      )
    })
    child.once('close', (code) => resolve({code, output}))
  })
}

async function writeEmptyReport(file: string): Promise<string> {
  await writeFile(file, JSON.stringify({aggregate: {counters: {}, summaries: {}}}))
  return file
}

function emptyResult(): StepResult {
  const now = Date.now()
  return {rps: 0, latencyMs: {p50: null, p95: null, p99: null}, errors: 0, non2xx: 0, requests: 0, measuredFrom: now, measuredTo: now, aborted: false}
}
