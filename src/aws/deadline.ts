/** Seconds one AWS request may take, and may stay silent, before it is given up and retried (FLEET_AWS_TIMEOUT, default 20). */
export function awsDeadlineSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.FLEET_AWS_TIMEOUT)
  return Number.isFinite(value) && value > 0 ? value : 20
}
