import type {GetCostAndUsageRequest} from '@aws-sdk/client-cost-explorer'

import {type Month, requestWindow} from './month.js'

/** Cost Explorer has one endpoint, in us-east-1, whatever the account's region. */
export const CE_REGION = 'us-east-1'

/** Each GetCostAndUsage request is billed, every page of a paginated answer included. */
export const CE_USD_PER_REQUEST = 0.01

/**
 * The one GetCostAndUsage query of `fleet cost` for a month: MONTHLY, grouped
 * by usage type and record type in the same request (so credits show beside
 * the charges instead of being netted), costs unblended, with quantities.
 * Pages are followed by repeating it with the answer's NextPageToken.
 */
export function costQuery(month: Month, now: Date): GetCostAndUsageRequest {
  return {
    TimePeriod: requestWindow(month, now),
    Granularity: 'MONTHLY',
    Metrics: ['UnblendedCost', 'UsageQuantity'],
    GroupBy: [
      {Type: 'DIMENSION', Key: 'USAGE_TYPE'},
      {Type: 'DIMENSION', Key: 'RECORD_TYPE'},
    ],
  }
}
