/**
 * `--engine autocannon|artillery` to an engine, loading only the one asked
 * for (autocannon and its histograms are not needed to drive Artillery).
 */
import type {ArtilleryEngineOptions} from './engine-artillery.js'
import type {AutocannonEngineOptions} from './engine-autocannon.js'
import type {EngineName, LoadEngine} from './types.js'

export interface EngineOptions {
  autocannon?: AutocannonEngineOptions
  artillery?: ArtilleryEngineOptions
}

/** The engine named by `--engine` (default autocannon, in-process). */
export async function loadEngine(name: EngineName = 'autocannon', options: EngineOptions = {}): Promise<LoadEngine> {
  if (name === 'artillery') return (await import('./engine-artillery.js')).artilleryEngine(options.artillery)
  return (await import('./engine-autocannon.js')).autocannonEngine(options.autocannon)
}
