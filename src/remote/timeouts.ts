/**
 * How long a command fleet runs on a host may take (nginx.test, reload,
 * dump, apps.restart): FLEET_REMOTE_TIMEOUT seconds, default 60.
 */
export function remoteTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.FLEET_REMOTE_TIMEOUT)
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000
}

/**
 * How long fleet keeps retrying SSH to a host that was just started (it is
 * still booting, sshd not up yet): FLEET_SSH_BOOT_WAIT seconds, default 180.
 */
export function sshBootWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.FLEET_SSH_BOOT_WAIT)
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 180) * 1000
}
