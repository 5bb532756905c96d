import {describe, expect, test} from 'vitest'

import {summarizeHost, windowOf} from './host-summary.js'
import {type HostSample, SAMPLE_END, SAMPLE_START, SampleParser, busyPct, bytesBetween, parseCpuLine, parseNetDevLine, samplingCommand} from './proc-stat.js'

/** What the remote loop prints for one sample of a 2-vCPU LB running nginx in Docker. */
function loopOutput(cpu: [number[], number[], number[]], net: {eth0: [number, number]; lo: number; docker0: number; veth: number}): string[] {
  const line = (name: string, f: number[]) => `${name} ${f.join(' ')} 0 0`
  return [
    SAMPLE_START,
    line('cpu ', cpu[0]),
    line('cpu0', cpu[1]),
    line('cpu1', cpu[2]),
    'Inter-|   Receive                                                |  Transmit',
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
    `    lo: ${net.lo}  566542    0    0    0     0          0         0 ${net.lo}  566542    0    0    0     0       0          0`,
    `  eth0: ${net.eth0[0]}   50279    0    0    0     0          0         0  ${net.eth0[1]}   36517    0    0    0     0       0          0`,
    `docker0: ${net.docker0} 10 0 0 0 0 0 0 ${net.docker0} 10 0 0 0 0 0 0`,
    `veth1a2b3c: ${net.veth} 10 0 0 0 0 0 0 ${net.veth} 10 0 0 0 0 0 0`,
    SAMPLE_END,
  ]
}

function parseAll(lines: string[], times: number[]): HostSample[] {
  const samples: HostSample[] = []
  let i = 0
  const parser = new SampleParser((s) => samples.push(s), () => times[i++]!)
  for (const line of lines) parser.push(line)
  return samples
}

// user nice system idle iowait irq softirq steal: over 1 s (100 jiffies per core), cpu0 busy 90, cpu1 busy 40.
const t0: [number[], number[], number[]] = [
  [138178, 0, 55860, 250066, 798, 0, 715, 197],
  [66959, 0, 27239, 128192, 140, 0, 227, 95],
  [71219, 0, 28634, 121873, 643, 0, 487, 101],
]
const t1: [number[], number[], number[]] = [
  [138178 + 90, 0, 55860 + 30, 250066 + 70, 798, 0, 715 + 5, 197 + 5],
  [66959 + 70, 0, 27239 + 15, 128192 + 10, 140, 0, 227 + 3, 95 + 2],
  [71219 + 20, 0, 28634 + 15, 121873 + 60, 643, 0, 487 + 2, 101 + 3],
]
const net0 = {eth0: [1_665_415_777, 6_215_515] as [number, number], lo: 148_302_597, docker0: 5000, veth: 7000}
const net1 = {eth0: [1_665_415_777 + 300_000, 6_215_515 + 900_000] as [number, number], lo: 148_302_597 + 1e9, docker0: 5000 + 1e6, veth: 7000 + 1e6}

describe('parsing', () => {
  test('a cpu line: guest time left out of the total, steal counted busy', () => {
    expect(parseCpuLine('cpu  100 5 50 800 20 3 2 10 40 0')).toEqual({name: 'cpu', times: {total: 990, busy: 170}})
    expect(parseCpuLine('cpu1 1 2 3 4')).toEqual({name: 'cpu1', times: {total: 10, busy: 6}})
    expect(parseCpuLine('intr 12345 0 0')).toBeNull()
    expect(parseCpuLine('cpu0 a b c d')).toBeNull()
  })

  test('a /proc/net/dev line: receive bytes + transmit bytes; headers are not interfaces', () => {
    expect(parseNetDevLine('  eth0: 1665415777   50279    0    0    0     0          0         0  6215515   36517    0    0    0     0       0          0')).toEqual({
      name: 'eth0',
      bytes: 1_671_631_292,
    })
    expect(parseNetDevLine('Inter-|   Receive                                                |  Transmit')).toBeNull()
    expect(parseNetDevLine(' face |bytes    packets errs drop fifo frame compressed multicast|bytes')).toBeNull()
  })

  test('the loop output becomes samples; partial samples and noise are dropped', () => {
    const lines = ['Last login: today', ...loopOutput(t0, net0), ...loopOutput(t1, net1), SAMPLE_START, 'cpu  1 2 3 4']
    const samples = parseAll(lines, [1000, 2000])
    expect(samples).toHaveLength(2)
    expect(samples[0]!.at).toBe(1000)
    expect(samples[0]!.cpu).toHaveLength(3)
    expect(Object.keys(samples[0]!.net)).toEqual(['lo', 'eth0', 'docker0', 'veth1a2b3c'])
  })

  test('the remote loop command', () => {
    expect(samplingCommand()).toBe(
      "while :; do echo @fleet-sample; grep '^cpu' /proc/stat; cat /proc/net/dev; echo @fleet-sample-end; sleep 1; done",
    )
    expect(samplingCommand(0.2)).toContain('sleep 1;')
  })
})

describe('from consecutive samples to figures', () => {
  const [a, b] = parseAll([...loopOutput(t0, net0), ...loopOutput(t1, net1)], [1000, 2000]) as [HostSample, HostSample]

  test('CPU busy %: all cores and per core', () => {
    expect(busyPct(a.cpu[0], b.cpu[0])).toBeCloseTo((130 / 200) * 100, 5)
    expect(busyPct(a.cpu[1], b.cpu[1])).toBe(90)
    expect(busyPct(a.cpu[2], b.cpu[2])).toBe(40)
    expect(busyPct(a.cpu[0], a.cpu[0])).toBeNull()
  })

  test('bytes through the real interfaces only: not lo, docker0 or veth (the same packets again)', () => {
    expect(bytesBetween(a, b)).toBe(1_200_000)
  })

  test('summary over a window: average, busiest core, peak interval, bytes', () => {
    expect(summarizeHost([a, b])).toEqual({cpu: 65, cpuMaxCore: 90, cpuPeak: 65, bytes: 1_200_000, samples: 2})
    expect(summarizeHost([a])).toEqual({cpu: null, cpuMaxCore: null, cpuPeak: null, bytes: null, samples: 1})
  })

  test('a window takes the samples that bound it', () => {
    const at = (t: number): HostSample => ({...a, at: t})
    const samples = [at(0), at(1000), at(2000), at(3000), at(4000)]
    expect(windowOf(samples, 1500, 2500).map((s) => s.at)).toEqual([1000, 2000, 3000])
    expect(windowOf(samples, 1000, 3000).map((s) => s.at)).toEqual([1000, 2000, 3000])
    expect(windowOf(samples, -500, 9000).map((s) => s.at)).toEqual([0, 1000, 2000, 3000, 4000])
    expect(windowOf([], 0, 1)).toEqual([])
  })

  test('a t2 out of credits: steal time makes it busy although user time is low', () => {
    const before: HostSample = {at: 0, cpu: [{total: 1000, busy: 100}], net: {}}
    const parsedAfter = parseCpuLine('cpu  20 0 5 10 0 0 0 65')!.times
    const after: HostSample = {at: 1000, cpu: [{total: 1000 + parsedAfter.total, busy: 100 + parsedAfter.busy}], net: {}}
    expect(summarizeHost([before, after])).toMatchObject({cpu: 90, cpuMaxCore: 90})
  })
})
