/**
 * One host over one step (pure): the samples around the engine's measured
 * window turned into the figures a step record keeps.
 */
import {type HostSample, busyPct, bytesBetween} from './proc-stat.js'

export interface HostSummary {
  /** Busy % of all cores over the window; null with fewer than two samples. */
  cpu: number | null
  /** The busiest single core over the window. */
  cpuMaxCore: number | null
  /** The highest one-interval busy % (all cores) inside the window. */
  cpuPeak: number | null
  /** Bytes through the real interfaces (rx + tx) over the window. */
  bytes: number | null
  /** Samples used, the two bounds included. */
  samples: number
}

const round1 = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10)

/**
 * The samples bounding [from, to]: the last one at or before `from` (else the
 * first) to the first one at or after `to` (else the last). With samples a
 * second apart, the window is widened by less than a second at each end.
 */
export function windowOf(samples: HostSample[], from: number, to: number): HostSample[] {
  if (samples.length === 0) return []
  let start = 0
  for (let i = 0; i < samples.length; i++) if (samples[i]!.at <= from) start = i
  let end = samples.length - 1
  for (let i = samples.length - 1; i >= start; i--) if (samples[i]!.at >= to) end = i
  return samples.slice(start, end + 1)
}

/** The host's figures over the window (the whole sampling when no window is given). */
export function summarizeHost(samples: HostSample[], window?: {from: number; to: number}): HostSummary {
  const used = window ? windowOf(samples, window.from, window.to) : samples
  const first = used[0]
  const last = used.at(-1)
  if (!first || !last || used.length < 2) return {cpu: null, cpuMaxCore: null, cpuPeak: null, bytes: null, samples: used.length}
  let maxCore: number | null = null
  for (let core = 1; core < last.cpu.length; core++) {
    const busy = busyPct(first.cpu[core], last.cpu[core])
    if (busy !== null && (maxCore === null || busy > maxCore)) maxCore = busy
  }
  let peak: number | null = null
  for (let i = 1; i < used.length; i++) {
    const busy = busyPct(used[i - 1]!.cpu[0], used[i]!.cpu[0])
    if (busy !== null && (peak === null || busy > peak)) peak = busy
  }
  const cpu = busyPct(first.cpu[0], last.cpu[0])
  return {
    cpu: round1(cpu),
    // A single-core host has no per-core lines beyond cpu0, which equals the total.
    cpuMaxCore: round1(maxCore ?? cpu),
    cpuPeak: round1(peak),
    bytes: bytesBetween(first, last),
    samples: used.length,
  }
}
