import {UsageError} from '../errors.js'
import type {Profile} from './types.js'
import type {ArchitectureConfig, ProfileData} from './schema.js'

type Section = 'nginx' | 'apps' | 'rds' | 'architectures' | 'cost'

/**
 * The profile's `section`, or a UsageError (exit 2) naming the command that
 * needs it: only `hub` and `accounts` are required in a profile.
 */
export function requireSection<K extends Section>(profile: Profile, section: K, command: string): NonNullable<ProfileData[K]> {
  const value = profile.data[section]
  if (value === undefined || value === null) {
    throw new UsageError('MissingSection', `Profile \`${profile.name}\` has no \`${section}\` section, which \`${command}\` needs.`, {
      nextSteps: [`Add a \`${section}:\` section to ${profile.file}; profiles/example.yaml shows one.`],
    })
  }
  return value as NonNullable<ProfileData[K]>
}

export interface ResolvedArchitecture {
  id: string
  arch: ArchitectureConfig
  /** Whether `--arch` chose it or it is the one `up` applied last. */
  from: 'flag' | 'state'
}

/**
 * The architecture a command works with: `--arch` when given, else the one
 * `fleet up` applied last. Neither is a UsageError saying to pass `--arch`;
 * an id the profile does not define lists the ones it does.
 */
export function resolveArchitecture(
  profile: Profile,
  archFlag: string | undefined,
  stateArch: string | null | undefined,
): ResolvedArchitecture {
  const architectures = profile.data.architectures
  if (architectures === undefined) {
    throw new UsageError('MissingSection', `Profile \`${profile.name}\` has no \`architectures\` section, so there is no architecture to use.`, {
      nextSteps: [`Add one to ${profile.file}; profiles/example.yaml shows how.`],
    })
  }
  const known = profile.architectureIds
  const choices = known.length > 0 ? `: one of ${known.join(', ')}` : ''
  if (archFlag === undefined && (stateArch === undefined || stateArch === null)) {
    throw new UsageError('NoArchitecture', `No architecture has been applied to profile \`${profile.name}\` yet; pass --arch ID${choices}.`, {
      nextSteps: ['`fleet arch list` shows them.'],
    })
  }
  const id = archFlag ?? stateArch!
  const arch = Object.hasOwn(architectures, id) ? architectures[id] : undefined
  if (arch === undefined) throw unknownArchitecture(profile, id, archFlag === undefined ? 'state' : 'flag')
  return {id, arch, from: archFlag === undefined ? 'state' : 'flag'}
}

/** The one wording of an architecture id the profile does not define. */
export function unknownArchitecture(profile: Profile, id: string, from: 'flag' | 'state'): UsageError {
  const known = profile.architectureIds
  const what = from === 'state' ? `The architecture last applied (\`${id}\`) is no longer in` : `There is no architecture \`${id}\` in`
  return new UsageError('UnknownArchitecture', `${what} profile \`${profile.name}\`. Known: ${known.join(', ') || 'none'}.`, {
    nextSteps: [known.length > 0 ? `Pass --arch ID: one of ${known.join(', ')} (\`fleet arch list\` shows them).` : `Add architectures to ${profile.file}.`],
  })
}
