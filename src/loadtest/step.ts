import {UsageError} from '../errors.js'
import type {StepSpec} from './types.js'

/** Refuses a step no engine can run (the command validates flags before this). */
export function checkStep(step: StepSpec): void {
  const bad = (what: string) => new UsageError('BadLoadStep', `A load step needs ${what}.`)
  if (!Number.isInteger(step.users) || step.users < 1) throw bad(`at least one user (got ${step.users})`)
  if (!(step.thinkMs >= 0)) throw bad(`a think time of 0 or more (got ${step.thinkMs} ms)`)
  if (!(step.durationMs > 0)) throw bad(`a duration above 0 (got ${step.durationMs} ms)`)
  if (!((step.warmupMs ?? 0) >= 0)) throw bad(`a warm-up of 0 or more (got ${step.warmupMs} ms)`)
  if (!/^https?:\/\//.test(step.url)) throw bad(`an http:// or https:// URL (got ${JSON.stringify(step.url)})`)
}
