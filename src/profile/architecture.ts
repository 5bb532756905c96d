import {unknownArchitecture} from './sections.js'
import type {Profile} from './types.js'
import type {ArchitectureConfig, ArchNginxConfig} from './schema.js'

export interface ArchAppView {
  account: string
  ports: number[]
}

/** An architecture with its defaults applied: what `arch list/show --json` print. */
export interface ArchitectureView {
  id: string
  description: string | null
  /** `account` is nginx.on (null without an nginx section); a null type is left as it is. */
  lb: {account: string | null; instanceType: string | null}
  apps: ArchAppView[]
  /** Only the settings the architecture gives; the rest go back to the host's own. */
  nginx: ArchNginxConfig
  /** true: on, false: off, null: left as it is. */
  rdsPublic: boolean | null
}

export const DEFAULT_APP_PORT = 8080

/** Every architecture of the profile, in file order. */
export function listArchitectures(profile: Profile): ArchitectureView[] {
  return profile.architectureIds.map((id) => architectureView(profile, id))
}

/** One architecture, normalized: apps as `{account, ports}`, nulls for "as it is". */
export function architectureView(profile: Profile, id: string): ArchitectureView {
  const architectures = profile.data.architectures ?? {}
  if (!Object.hasOwn(architectures, id)) throw unknownArchitecture(profile, id, 'flag')
  return normalize(profile, id, architectures[id]!)
}

function normalize(profile: Profile, id: string, arch: ArchitectureConfig): ArchitectureView {
  const defaultPort = profile.data.apps?.port ?? DEFAULT_APP_PORT
  return {
    id,
    description: arch.description ?? null,
    lb: {account: profile.data.nginx?.on ?? null, instanceType: arch.lb?.instanceType ?? null},
    apps: arch.apps.map((app) =>
      typeof app === 'string' ? {account: app, ports: [defaultPort]} : {account: app.account, ports: app.ports ?? [defaultPort]},
    ),
    nginx: {...arch.nginx},
    rdsPublic: arch.rdsPublic ?? null,
  }
}
