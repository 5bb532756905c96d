/**
 * On-demand hourly prices of EC2 instances running Linux (shared tenancy,
 * USD, before any free tier, Savings Plan or credit), for the regions the
 * story uses. A static table on purpose: the plan must show a price before
 * anything is called, and the AWS Price List API would need one more
 * permission and one more slow call per run.
 *
 * Collected 2026-11-30. AWS's own pricing page could not be read from where
 * this was written, so every figure comes from published copies of the AWS
 * price list, and is kept only where it agrees with the per-size rule AWS
 * follows in these families (each size up doubles the price):
 * - us-east-1: every figure seen in at least two independent copies of the
 *   price list (static pricing tables in public repositories, one noting
 *   "verified against instances.vantage.sh, 2026-07"; one "January 2026").
 * - ap-northeast-2: t2.micro 0.0144 from an answer of the Price List API
 *   quoted in a public repository; t2.micro..t2.large, t3.nano..t3.2xlarge,
 *   t3a.medium/xlarge/2xlarge, t4g.nano..t4g.large, m5.large and c5.large
 *   (c5.2xlarge 0.384 / 4) from Seoul price tables in public repositories.
 *   Figures in UNCONFIRMED below were not seen in any source: they are the
 *   confirmed sizes of the same family scaled by the per-size rule.
 */
export const EC2_PRICES_AS_OF = '2026-11-30'

export const EC2_PRICES_SOURCE =
  'AWS EC2 on-demand pricing, Linux, shared tenancy (https://aws.amazon.com/ec2/pricing/on-demand/), from published copies of the price list'

type PriceTable = Readonly<Record<string, Readonly<Record<string, number>>>>

const PRICES: PriceTable = {
  'us-east-1': {
    't2.nano': 0.0058, 't2.micro': 0.0116, 't2.small': 0.023, 't2.medium': 0.0464,
    't2.large': 0.0928, 't2.xlarge': 0.1856, 't2.2xlarge': 0.3712,
    't3.nano': 0.0052, 't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416,
    't3.large': 0.0832, 't3.xlarge': 0.1664, 't3.2xlarge': 0.3328,
    't3a.nano': 0.0047, 't3a.micro': 0.0094, 't3a.small': 0.0188, 't3a.medium': 0.0376,
    't3a.large': 0.0752, 't3a.xlarge': 0.1504, 't3a.2xlarge': 0.3008,
    't4g.nano': 0.0042, 't4g.micro': 0.0084, 't4g.small': 0.0168, 't4g.medium': 0.0336,
    't4g.large': 0.0672, 't4g.xlarge': 0.1344, 't4g.2xlarge': 0.2688,
    'm5.large': 0.096, 'c5.large': 0.085,
  },
  'ap-northeast-2': {
    't2.nano': 0.0072, 't2.micro': 0.0144, 't2.small': 0.0288, 't2.medium': 0.0576,
    't2.large': 0.1152, 't2.xlarge': 0.2304, 't2.2xlarge': 0.4608,
    't3.nano': 0.0065, 't3.micro': 0.013, 't3.small': 0.026, 't3.medium': 0.052,
    't3.large': 0.104, 't3.xlarge': 0.208, 't3.2xlarge': 0.416,
    't3a.nano': 0.0059, 't3a.micro': 0.0117, 't3a.small': 0.0234, 't3a.medium': 0.0468,
    't3a.large': 0.0936, 't3a.xlarge': 0.1872, 't3a.2xlarge': 0.3744,
    't4g.nano': 0.0052, 't4g.micro': 0.0104, 't4g.small': 0.0208, 't4g.medium': 0.0416,
    't4g.large': 0.0832, 't4g.xlarge': 0.1664, 't4g.2xlarge': 0.3328,
    'm5.large': 0.118, 'c5.large': 0.096,
  },
}

/** Figures derived by the per-size rule, not seen in a source (see above). */
export const UNCONFIRMED: Readonly<Record<string, readonly string[]>> = {
  'ap-northeast-2': ['t2.nano', 't2.xlarge', 't2.2xlarge', 't3a.nano', 't3a.micro', 't3a.small', 't3a.large', 't4g.xlarge', 't4g.2xlarge'],
}

/** The regions the table knows. */
export const PRICED_REGIONS: readonly string[] = Object.keys(PRICES)

/**
 * The on-demand Linux price of `type` in `region`, in USD per hour; null when
 * the table does not have it ("price unknown": the caller still counts the
 * instance as paid).
 */
export function hourlyPriceUsd(region: string, type: string): number | null {
  return PRICES[region]?.[type] ?? null
}
