import type {ErrorInfo} from '../errors.js'

/** The groups of spec section 5, in the order tables show them. */
export const COST_GROUPS = ['ec2-hours', 'public-ipv4', 'regional-transfer', 'internet-egress', 'rds', 'other'] as const
export type CostGroup = (typeof COST_GROUPS)[number]

/**
 * One usage type of one record type, summed over the month. `group`,
 * `usageType`, `usd`, `quantity` and `unit` are the spec's fields; a credit
 * is its own line with `recordType: "Credit"` and a negative `usd`, so it is
 * shown beside the charge it offsets instead of being netted into it.
 */
export interface UsageLine {
  group: CostGroup
  usageType: string
  usd: number
  quantity: number
  unit: string | null
  /** Cost Explorer's RECORD_TYPE: Usage, Credit, Tax, Refund, ... */
  recordType: string
  /** The AWS region the usage type's prefix names (null when it names none). */
  region: string | null
}

/** One period of the answer, as Cost Explorer dated it. */
export interface CostPeriod {
  start: string
  end: string
  /** Cost Explorer's `Estimated`: true while the figures may still change. */
  estimated: boolean
}

/** Free-tier instance hours from the billed `BoxUsage:<freeTypes>` quantity. */
export interface FreeHours {
  plan: '750-hours' | 'credits'
  hoursUsed: number
  /** 750 on the 750-hours plan; null on the credit-based plan. */
  hoursAllowed: number | null
  hoursLeft: number | null
}

/** What one account's Cost Explorer answer adds up to. */
export interface AccountCost {
  /** Month to date: every record type except credits (spec `totalUsd`). */
  totalUsd: number
  /** Credits applied this month (zero or negative), kept apart from the charges. */
  creditsUsd: number
  /** totalUsd + creditsUsd: what the account would pay as things stand. */
  netUsd: number
  /** Month-end projection of totalUsd (spec section 5). */
  projectedUsd: number
  byUsageType: UsageLine[]
  /** Charges per group, credits excluded. */
  byGroup: Record<CostGroup, number>
  freeTier: FreeHours
  periods: CostPeriod[]
  /** True when every period has `Estimated: false`: the month is closed for good. */
  final: boolean
}

/**
 * One account in the `cost` JSON (spec section 5 plus added fields). A failed
 * account has `ok: false`, its error, null figures and no usage lines.
 */
export interface CostAccountEntry {
  name: string
  ok: boolean
  error: ErrorInfo | null
  totalUsd: number | null
  projectedUsd: number | null
  byUsageType: UsageLine[]
  creditsUsd: number | null
  netUsd: number | null
  byGroup: Record<CostGroup, number> | null
  freeTier: FreeHours | null
  estimated: boolean | null
  /** True when the answer came from the cache (no Cost Explorer request for this account). */
  fromCache?: boolean
  /** When Cost Explorer sent the answer shown (ISO time); null when there is none. */
  fetchedAt?: string | null
}

/** The `cost` JSON document of spec section 5. */
export interface CostReport {
  month: string
  accounts: CostAccountEntry[]
  ceRequests: number
  fromCache: boolean
  /** With `--fail-over`: the limit and the accounts whose month to date passes it. */
  failOver?: {limitUsd: number; over: Array<{name: string; totalUsd: number}>}
}
