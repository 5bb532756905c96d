/**
 * Public IPv4 is billed by the hour since February 2024, in use or idle
 * (EC2's free tier covers 750 hours a month of it; RDS's never).
 * Source: aws.amazon.com/vpc/pricing, "Public IPv4 address" (checked 2026-11).
 */
export const PUBLIC_IPV4_HOURLY_USD = 0.005
