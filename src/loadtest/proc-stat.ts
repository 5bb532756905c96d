/**
 * Host samples read over SSH (pure): `/proc/stat`'s cpu lines and
 * `/proc/net/dev`, once a second, between markers the remote loop prints.
 * Consecutive samples give the CPU busy % and the bytes through the host.
 */

/** One cpu line of /proc/stat, in jiffies: `busy` counts everything but idle and iowait. */
export interface CpuTimes {
  total: number
  busy: number
}

export interface HostSample {
  /** When the sample arrived here (epoch ms): engines report their window in the same clock. */
  at: number
  /** [0] is the `cpu` line (all cores), then `cpu0`, `cpu1`, ... */
  cpu: CpuTimes[]
  /** Bytes received + sent so far, per interface. */
  net: Record<string, number>
}

export const SAMPLE_START = '@fleet-sample'
export const SAMPLE_END = '@fleet-sample-end'

/**
 * The remote loop: one sample every `intervalSeconds` until stopped. Only
 * /proc and the shell's own builtins plus `grep`, `cat` and `sleep`, which
 * every Linux host has.
 */
export function samplingCommand(intervalSeconds = 1): string {
  const every = Math.max(1, Math.round(intervalSeconds))
  return `while :; do echo ${SAMPLE_START}; grep '^cpu' /proc/stat; cat /proc/net/dev; echo ${SAMPLE_END}; sleep ${every}; done`
}

/**
 * user nice system idle iowait irq softirq steal [guest guest_nice]: guest
 * time is already inside user/nice, so it is left out of the total. Steal
 * counts as busy: a t2 out of CPU credits is throttled through steal time.
 */
export function parseCpuLine(line: string): {name: string; times: CpuTimes} | null {
  const match = /^(cpu\d*)\s+(.*)$/.exec(line.trim())
  if (!match) return null
  const fields = match[2]!.split(/\s+/).map(Number)
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return null
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
  const total = user + nice + system + idle + iowait + irq + softirq + steal
  return {name: match[1]!, times: {total, busy: total - idle - iowait}}
}

/**
 * Interfaces whose bytes are not the host's own traffic: loopback, and the
 * Docker bridge and veth pairs, through which the same packets pass again
 * when nginx runs in a container (they would count them two or three times).
 */
export function isVirtualInterface(name: string): boolean {
  return name === 'lo' || name === 'docker0' || name.startsWith('veth') || name.startsWith('br-')
}

/** `  eth0: 1234 5 0 0 0 0 0 0 5678 ...`: receive bytes is field 1, transmit bytes field 9. */
export function parseNetDevLine(line: string): {name: string; bytes: number} | null {
  const colon = line.indexOf(':')
  if (colon < 0) return null
  const name = line.slice(0, colon).trim()
  const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number)
  if (!name || fields.length < 9 || !Number.isFinite(fields[0]) || !Number.isFinite(fields[8])) return null
  return {name, bytes: fields[0]! + fields[8]!}
}

/** Turns the remote loop's lines into samples, one callback per complete sample. */
export class SampleParser {
  private current: HostSample | null = null

  constructor(
    private readonly onSample: (sample: HostSample) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(line: string): void {
    const text = line.trim()
    if (text === SAMPLE_START) {
      this.current = {at: 0, cpu: [], net: {}}
      return
    }
    const sample = this.current
    if (!sample) return
    if (text === SAMPLE_END) {
      this.current = null
      if (sample.cpu.length > 0) this.onSample({...sample, at: this.now()})
      return
    }
    const cpu = parseCpuLine(text)
    if (cpu) {
      sample.cpu[cpu.name === 'cpu' ? 0 : Number(cpu.name.slice(3)) + 1] = cpu.times
      return
    }
    const dev = parseNetDevLine(text)
    if (dev) sample.net[dev.name] = dev.bytes
  }
}

/** Busy % between two readings of the same cpu line; null when no time passed. */
export function busyPct(before: CpuTimes | undefined, after: CpuTimes | undefined): number | null {
  if (!before || !after) return null
  const total = after.total - before.total
  if (total <= 0) return null
  return Math.min(100, Math.max(0, ((after.busy - before.busy) / total) * 100))
}

/** Bytes through the host's real interfaces between two samples (a reset counter counts 0). */
export function bytesBetween(before: HostSample, after: HostSample): number {
  let sum = 0
  for (const [name, bytes] of Object.entries(after.net)) {
    const start = before.net[name]
    if (isVirtualInterface(name) || start === undefined) continue
    sum += Math.max(0, bytes - start)
  }
  return sum
}
