/**
 * What a run has measured so far, and its files: every step joins the
 * report, and the files under `$FLEET_HOME/runs/<time>/` are rewritten at
 * once, so a run cut short (Ctrl-C, a crash, a lost connection) keeps every
 * step it measured. The cost counts each architecture's instances from the
 * moment its `up` began until the next one began (or now).
 */
import {runCost, type InstanceUsage} from './cost.js'
import {totalLbBytes} from './report.js'
import type {LoadtestSettings} from './settings.js'
import {targetLabel} from './settings.js'
import type {ArchInfo, LoadtestReport, StepRecord} from './types.js'
import {type RunFiles, saveRun} from './writer.js'

/** The instances an architecture keeps running (`up`'s plan: account, type, region). */
export interface RunningInstance {
  account: string
  type: string
  region: string
}

interface Phase {
  from: number
  to: number | null
  running: RunningInstance[]
}

export class RunRecorder {
  readonly steps: StepRecord[] = []
  readonly architectures: ArchInfo[] = []
  private readonly phases: Phase[] = []
  private interrupted = false
  private address: string | null = null
  private last: LoadtestReport | null = null
  private writing: Promise<unknown> = Promise.resolve()

  constructor(
    readonly files: RunFiles,
    private readonly settings: LoadtestSettings,
    private readonly costContext: {region: string; freeTypes: readonly string[]},
    private readonly now: () => number = Date.now,
  ) {}

  /** An architecture's part begins: its `up` is about to run; the previous part ends. */
  beginArch(info: ArchInfo, running: RunningInstance[]): void {
    this.endPhase()
    this.architectures.push(info)
    this.phases.push({from: this.now(), to: null, running})
  }

  /** The architecture's URL and the address its load connects to, once known (the LB's IP of the time). */
  setTarget(arch: string, url: string, address: string): void {
    const info = this.architectures.find((a) => a.arch === arch)
    if (!info) return
    if (url !== targetLabel(this.settings.target, this.settings.address)) info.target = url
    info.address = address
    this.address = address
  }

  /** The instances stop being counted (the run's end, or `--down` begins). */
  endPhase(): void {
    const open = this.phases.at(-1)
    if (open && open.to === null) open.to = this.now()
  }

  markInterrupted(): void {
    this.interrupted = true
  }

  /** Adds a step and rewrites the files. */
  async add(step: StepRecord): Promise<void> {
    this.steps.push(step)
    await this.save()
  }

  /** Writes the files with what is known now (one write at a time, in order); returns the report. */
  async save(): Promise<LoadtestReport> {
    const write = this.writing.then(() => saveRun(this.input(), this.files))
    this.writing = write.catch(() => undefined)
    this.last = await write
    return this.last
  }

  report(): LoadtestReport | null {
    return this.last
  }

  private input() {
    const s = this.settings
    const now = this.now()
    const instances: InstanceUsage[] = this.phases.flatMap((p) => p.running.map((r) => ({account: r.account, type: r.type, region: r.region, hours: ((p.to ?? now) - p.from) / 3_600_000})))
    return {
      target: targetLabel(s.target, s.address),
      address: {account: s.address.account, kind: s.address.kind, at: this.address},
      engine: s.engine,
      thinkMs: s.thinkMs,
      durationMs: s.durationMs,
      architectures: this.architectures,
      steps: this.steps,
      cost: runCost({...this.costContext, instances, lbBytes: totalLbBytes(this.steps)}),
      interrupted: this.interrupted,
    }
  }
}
