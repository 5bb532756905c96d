import {describe, expect, it} from 'vitest'

import type {CostRun, WatchFrame} from './service.js'
import type {TrafficRefresh} from './traffic.js'
import {watchPrinter, type WatchMode} from './watch-printer.js'
import {networkQuery, sumNetwork} from './watch.js'

const now = new Date('2026-11-26T12:00:00Z')
const report = {month: '2026-11', accounts: [], ceRequests: 0, fromCache: true}
const run: CostRun = {report, warnings: ['lb: the answer could not be kept']}
const q = networkQuery(['i-0123456789abcdef0'], now)
const t = sumNetwork([{Id: 'in0', Timestamps: [new Date('2026-11-26T11:50:00Z')], Values: [1e9]}], q, 0.01)
const traffic: TrafficRefresh = {
  at: now.toISOString(),
  label: t.label,
  accounts: [{name: 'lb', ok: true, error: null, instanceId: 'i-0123456789abcdef0', traffic: t}],
  bytesIn: 1e9,
  bytesOut: 0,
  gb: 1,
  usd: 0.01,
  metricsRequested: 2,
}
const frame: WatchFrame = {report, traffic, metricsRequestedTotal: 2}

function print(mode: WatchMode) {
  let out = ''
  let err = ''
  const printer = watchPrinter({mode, intervalMs: 60_000, out: {write: (s: string) => (out += s)}, err: {write: (s: string) => (err += s)}})
  printer.onStart(run)
  printer.onRefresh(frame)
  printer.onRefresh(frame)
  return {out, err}
}

describe('how --watch shows itself', () => {
  it('redraws a terminal in place: each frame clears the screen and holds the cost table and the traffic', () => {
    const {out, err} = print('screen')
    const frames = out.split('\u001B[H\u001B[2J').slice(1)
    expect(frames).toHaveLength(3)
    expect(frames[0]).toContain("Reading the fleet's traffic from CloudWatch")
    for (const f of frames.slice(1)) {
      expect(f).toContain('Cost 2026-11 (UTC), month to date')
      expect(f).toContain('Traffic at 2026-11-26T12:00:00Z (last 5 min, upper bound of inter-EC2 transfer)')
      expect(f).toContain('Traffic every 1m; Cost Explorer stays on its cache. Ctrl-C ends.')
    }
    expect(err).toBe('Warning: lb: the answer could not be kept\n')
  })

  it('in a pipe prints the cost table once, then one line per refresh, and never clears', () => {
    const {out} = print('lines')
    expect(out).not.toContain('\u001B')
    expect(out.match(/Cost 2026-11 \(UTC\)/g)).toHaveLength(1)
    expect(out.trimEnd().split('\n').slice(-2).every((l) => l.startsWith('2026-11-26T12:00:00Z traffic (last 5 min'))).toBe(true)
  })

  it('with --json prints one cost document per refresh, each on one line, with its traffic', () => {
    const {out} = print('json')
    const docs = out.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(docs).toHaveLength(2)
    expect(docs[0]).toMatchObject({...report, traffic: {usd: 0.01, metricsRequested: 2, metricsRequestedTotal: 2}})
  })
})
