import {existsSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'

import {UsageError} from '../errors.js'
import {isProfilePath, type LoadOptions, profileCandidates} from './load.js'
import {starterProfile} from './starter.js'

export interface InitOptions extends LoadOptions {
  force?: boolean
}

export interface InitResult {
  profile: string
  file: string
  created: true
  /** An existing file was replaced (--force). */
  overwritten: boolean
  /** `./profiles/NAME.yaml`, when it exists and is found before the new file. */
  shadowedBy: string | null
}

/**
 * Writes a starter profile: `$FLEET_HOME/profiles/NAME.yaml`, or the path
 * when NAME ends .yaml/.yml. An existing file is kept unless `force`.
 */
export async function initProfile(nameOrPath: string, options: InitOptions = {}): Promise<InitResult> {
  const {name, files} = profileCandidates(nameOrPath, options)
  const asPath = isProfilePath(nameOrPath)
  const file = asPath ? files[0]! : files[1]!
  const existed = existsSync(file)
  try {
    await mkdir(dirname(file), {recursive: true})
    // `wx` refuses atomically, even if another process creates it meanwhile.
    await writeFile(file, starterProfile(name), {flag: options.force ? 'w' : 'wx'})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError('ProfileExists', `A profile already exists at ${file}; fleet leaves it as it is.`, {
        nextSteps: ['Pass --force to replace it with a starter profile, or choose another name.'],
      })
    }
    throw new UsageError('CannotWriteProfile', `Cannot write ${file}: ${(error as Error).message}`, {cause: error})
  }
  const shadow = asPath ? undefined : files[0]
  return {
    profile: name,
    file,
    created: true,
    overwritten: existed,
    shadowedBy: shadow !== undefined && existsSync(shadow) ? shadow : null,
  }
}
