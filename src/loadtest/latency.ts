import type {LatencyMs} from './types.js'

/**
 * Every response time of a step, kept exactly (8 bytes each: a 60 s step at
 * 10,000 RPS holds 4.8 MB) so that p50/p95/p99 are true percentiles.
 * autocannon's own histogram reports p97.5 but not p95, and Artillery's
 * summaries have p95: computing ours keeps both engines on one definition.
 */
export class LatencyRecorder {
  private values = new Float64Array(1024)
  private size = 0

  record(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.size++] = ms
  }

  get count(): number {
    return this.size
  }

  /** Nearest-rank percentiles, in ms with two decimals; null without any response. */
  percentiles(): LatencyMs {
    if (this.size === 0) return {p50: null, p95: null, p99: null}
    const sorted = this.values.slice(0, this.size).sort()
    const at = (p: number) => Math.round(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]! * 100) / 100
    return {p50: at(50), p95: at(95), p99: at(99)}
  }
}
