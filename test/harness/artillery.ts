/**
 * Artillery is not a dependency of fleet: scripts/setup.sh installs it into
 * ~/.cache/fleet-artillery (FLEET_ARTILLERY_DIR). Tests that run it find it
 * here, and never through npx (no registry in tests).
 */
import {accessSync, constants} from 'node:fs'
import {homedir} from 'node:os'
import {delimiter, join} from 'node:path'

/** FLEET_ARTILLERY, `artillery` on PATH, or where scripts/setup.sh puts it; undefined when none is there. */
export function installedArtillery(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    ...(env.FLEET_ARTILLERY ? [env.FLEET_ARTILLERY] : []),
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'artillery')),
    join(env.FLEET_ARTILLERY_DIR ?? join(homedir(), '.cache', 'fleet-artillery'), 'bin', 'artillery'),
  ]
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}
