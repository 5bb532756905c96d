import {currentMonth, hoursInMonth, hoursElapsed, round6} from './month.js'

/**
 * Public IPv4 is billed by the hour since February 2024, in use or idle
 * (EC2's free tier covers 750 hours a month of it; RDS's never).
 * Source: aws.amazon.com/vpc/pricing, "Public IPv4 address" (checked 2026-11).
 */
export const PUBLIC_IPV4_HOURLY_USD = 0.005

/**
 * What one public IPv4 address costs this UTC month, from `now`: fleet
 * cannot tell how long it was held before (Cost Explorer can: `fleet
 * cost`), so it says what staying public costs until the month ends, and
 * what a whole month costs.
 */
export function ipv4MonthCost(billedNow: boolean, now: Date) {
  const month = currentMonth(now)
  const hoursLeft = hoursInMonth(month) - hoursElapsed(month, now)
  return {
    hourlyUsd: PUBLIC_IPV4_HOURLY_USD,
    billedNow,
    month: month.id,
    hoursLeftInMonth: Math.round(hoursLeft * 10) / 10,
    restOfMonthUsd: round6(Math.round(hoursLeft * PUBLIC_IPV4_HOURLY_USD * 100) / 100),
    fullMonthUsd: round6(hoursInMonth(month) * PUBLIC_IPV4_HOURLY_USD),
  }
}
