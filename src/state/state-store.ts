import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {homePaths} from '../home.js'

/**
 * What fleet remembers of a profile between runs, in
 * `$FLEET_HOME/state/<profile>/<name>.json`. Writes are atomic (temp file and
 * rename) so a crash never leaves half a file.
 */
export class StateStore {
  readonly dir: string

  constructor(profile: string, home = homePaths()) {
    this.dir = home.state(profile)
  }

  async read<T>(name: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${name}.json`), 'utf8')) as T
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  async write(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, {recursive: true})
    const file = join(this.dir, `${name}.json`)
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(value, null, 2) + '\n', {mode: 0o600})
    await rename(temp, file)
  }
}

/** The architecture last applied by `fleet up`, or null. */
export interface AppliedState {
  arch: string | null
  appliedAt?: string
}

export async function lastAppliedArch(store: StateStore): Promise<string | null> {
  return (await store.read<AppliedState>('applied'))?.arch ?? null
}
