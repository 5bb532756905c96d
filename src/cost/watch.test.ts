import type {MetricDataResult} from '@aws-sdk/client-cloudwatch'
import {describe, expect, it} from 'vitest'

import {BugError} from '../errors.js'
import {networkQuery, regionalTransferUsdPerGb, sumNetwork, WATCH_LABEL} from './watch.js'

const now = new Date('2026-11-26T12:07:31Z')
const ids = ['i-0123456789abcdef0', 'i-0fedcba9876543210']

describe('--watch CloudWatch math', () => {
  it('asks for one Sum per instance and metric over whole 5-minute periods', () => {
    const q = networkQuery(ids, now)
    expect(q.metricsRequested).toBe(4)
    expect(q.input.MetricDataQueries).toHaveLength(4)
    expect(q.input.MetricDataQueries![0]).toEqual({
      Id: 'in0',
      MetricStat: {
        Metric: {Namespace: 'AWS/EC2', MetricName: 'NetworkIn', Dimensions: [{Name: 'InstanceId', Value: 'i-0123456789abcdef0'}]},
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: true,
    })
    expect(q.input.MetricDataQueries!.map((m) => m.Id)).toEqual(['in0', 'out0', 'in1', 'out1'])
    for (const m of q.input.MetricDataQueries!) expect(m.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/)
    expect(q.input.EndTime).toEqual(new Date('2026-11-26T12:05:00Z'))
    expect(q.input.StartTime).toEqual(new Date('2026-11-26T11:50:00Z'))
    expect(q.ids.out1).toEqual({instanceId: 'i-0fedcba9876543210', direction: 'out'})
  })

  it('asks nothing for no instances, and refuses more than one request can carry', () => {
    expect(networkQuery([], now).metricsRequested).toBe(0)
    expect(() => networkQuery(Array.from({length: 251}, (_, i) => `i-${i}`), now)).toThrow(BugError)
  })

  it('sums the newest period of every instance, both directions, in decimal GB at the regional rate', () => {
    const q = networkQuery(ids, now)
    const t1 = new Date('2026-11-26T11:55:00Z')
    const t0 = new Date('2026-11-26T11:50:00Z')
    const results: MetricDataResult[] = [
      {Id: 'in0', Timestamps: [t1, t0], Values: [2e9, 9e9], StatusCode: 'Complete'},
      {Id: 'out0', Timestamps: [t1, t0], Values: [3e9, 9e9], StatusCode: 'Complete'},
      {Id: 'in1', Timestamps: [t1], Values: [1e9], StatusCode: 'Complete'},
      {Id: 'out1', Timestamps: [t0], Values: [7e9], StatusCode: 'Complete'},
    ]
    const t = sumNetwork(results, q, regionalTransferUsdPerGb('ap-northeast-2'))
    expect(t).toMatchObject({label: WATCH_LABEL, periodStart: '2026-11-26T11:55:00.000Z', bytesIn: 3e9, bytesOut: 3e9, gb: 6, usd: 0.06, usdPerGb: 0.01, metricsRequested: 4})
    expect(t.perInstance).toEqual([
      {instanceId: 'i-0123456789abcdef0', bytesIn: 2e9, bytesOut: 3e9},
      {instanceId: 'i-0fedcba9876543210', bytesIn: 1e9, bytesOut: 0},
    ])
  })

  it('reads timestamps an emulator sends as strings, and says when there is no data yet', () => {
    const q = networkQuery(ids.slice(0, 1), now)
    const strings = [{Id: 'in0', Timestamps: ['2026-11-26T11:55:00Z'], Values: [5e8]}] as unknown as MetricDataResult[]
    expect(sumNetwork(strings, q, 0.01)).toMatchObject({bytesIn: 5e8, gb: 0.5, usd: 0.005})
    expect(sumNetwork([{Id: 'in0', Timestamps: [], Values: []}], q, 0.01)).toMatchObject({periodStart: null, gb: 0, usd: 0})
  })
})
