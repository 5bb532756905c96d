import type {ErrorInfo} from '../errors.js'
import type {UpResult} from '../up/apply.js'
import type {StepRecord} from './types.js'

/**
 * What a load-test run reports while it runs (progress, on stderr): the
 * command draws it (src/loadtest/progress.ts), tests record it.
 */
export interface LoadtestProgress {
  /** An architecture's part begins: its `up` rows are these accounts (plus `upstream`, `rds`, `load`). */
  archStart(arch: string, index: number, total: number, accounts: string[]): void
  /** `up`'s phase of an account, or of the `upstream` / `rds` rows. */
  upPhase(account: string, phase: string, detail?: string): void
  upDone(result: UpResult): void
  /** The `load` row: waiting, connecting, warm-up, measuring, sampling, done. */
  load(phase: string, detail?: string): void
  stepDone(step: StepRecord): void
  archFailed(arch: string, error: ErrorInfo): void
  /** Something to know that does not stop the run (a host not sampled). */
  warn(message: string): void
  /** `--down` begins: its rows. */
  downStart(accounts: string[]): void
  downPhase(account: string, phase: string, detail?: string): void
  /** The run is over: the last live block stays as it is. */
  end(): void
}

/** Progress nobody watches (services called from tests or scripts). */
export const silentProgress: LoadtestProgress = {
  archStart() {},
  upPhase() {},
  upDone() {},
  load() {},
  stepDone() {},
  archFailed() {},
  warn() {},
  downStart() {},
  downPhase() {},
  end() {},
}
