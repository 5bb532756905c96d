import type {GetMetricDataInput, MetricDataResult} from '@aws-sdk/client-cloudwatch'

import {type ClientContext, callerFor, clientConfig} from './call.js'

export interface CloudWatchPort {
  /**
   * One GetMetricData request (CloudWatch bills it per metric requested).
   * A NextToken is followed, which only answers of more than 100,800 data
   * points carry; results of the same query id are joined.
   */
  getMetricData(input: GetMetricDataInput, options?: {signal?: AbortSignal}): Promise<MetricDataResult[]>
}

export async function createCloudWatchPort(ctx: ClientContext): Promise<CloudWatchPort> {
  const cw = await import('../sdk/cloudwatch.js')
  const client = new cw.CloudWatchClient(clientConfig(ctx))
  const call = callerFor(ctx)
  return {
    getMetricData: (input, options = {}) =>
      call('cloudwatch:GetMetricData', async () => {
        const byId = new Map<string, MetricDataResult>()
        let token: string | undefined
        do {
          const out = await client.send(new cw.GetMetricDataCommand({...input, NextToken: token}), {abortSignal: options.signal})
          for (const r of out.MetricDataResults ?? []) {
            const known = r.Id ? byId.get(r.Id) : undefined
            if (!known) byId.set(r.Id ?? `#${byId.size}`, {...r, Timestamps: [...(r.Timestamps ?? [])], Values: [...(r.Values ?? [])]})
            else {
              known.Timestamps!.push(...(r.Timestamps ?? []))
              known.Values!.push(...(r.Values ?? []))
            }
          }
          token = out.NextToken || undefined
        } while (token)
        return [...byId.values()]
      }),
  }
}
