import {homedir} from 'node:os'
import {join} from 'node:path'

/**
 * Where fleet keeps things: `$FLEET_HOME` (default `~/.config/fleet`).
 * Secrets never live here, only in the keychain.
 */
export function fleetHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FLEET_HOME?.trim()
  return fromEnv ? fromEnv : join(homedir(), '.config', 'fleet')
}

export const homePaths = (home = fleetHome()) => ({
  root: home,
  profiles: join(home, 'profiles'),
  /** Per profile: the architecture last applied, nginx values found first. */
  state: (profile: string) => join(home, 'state', profile),
  /** Cost Explorer answers. */
  cache: join(home, 'cache'),
  /** Pinned SSH host keys, by instance id. */
  knownHosts: join(home, 'known_hosts'),
  locks: join(home, 'locks'),
  /** `fleet loadtest` results, one folder per run (`runs/<UTC start time>/`). */
  runs: join(home, 'runs'),
})
