/**
 * How often fleet asks AWS whether a change has happened (an instance
 * running, a DB's public access applied): from `minDelay` up to `maxDelay`
 * between two questions, as the SDK's waiters do. One setting for every
 * wait: FLEET_WAIT_MIN_DELAY / FLEET_WAIT_MAX_DELAY in seconds (default 5 and
 * 15; tests and the bench against the slow-AWS proxy use far shorter ones).
 */
export interface WaitDelays {
  minDelaySeconds: number
  maxDelaySeconds: number
}

export function waitDelays(env: NodeJS.ProcessEnv = process.env): WaitDelays {
  const seconds = (value: string | undefined, fallback: number) => {
    const n = Number(value)
    return Number.isFinite(n) && n > 0 ? n : fallback
  }
  const minDelaySeconds = seconds(env.FLEET_WAIT_MIN_DELAY, 5)
  return {minDelaySeconds, maxDelaySeconds: Math.max(minDelaySeconds, seconds(env.FLEET_WAIT_MAX_DELAY, 15))}
}
