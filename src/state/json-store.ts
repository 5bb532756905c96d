import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {homePaths} from '../home.js'

/**
 * A small store of JSON documents in one folder (`<dir>/<name>.json`):
 * what fleet remembers of a profile between runs (`state/<profile>/`), and
 * the Cost Explorer answers it keeps (`cache/`). Writes are atomic (temp
 * file and rename) so a crash never leaves half a file; files are private
 * to the user.
 */
export class JsonStore {
  constructor(readonly dir: string) {}

  async read<T>(name: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(this.file(name), 'utf8')) as T
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  async write(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, {recursive: true, mode: 0o700})
    const file = this.file(name)
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(value, null, 2) + '\n', {mode: 0o600})
    await rename(temp, file)
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`)
  }
}

/** What fleet remembers of one profile: `$FLEET_HOME/state/<profile>/`. */
export type StateStore = JsonStore

export function profileState(profile: string, home = homePaths()): StateStore {
  return new JsonStore(home.state(profile))
}

/**
 * The architecture `fleet up` applied or is applying. `complete` is false
 * from the moment an apply begins until it ends well, so that `fleet up`
 * without `--arch` retries an interrupted run.
 */
export interface AppliedState {
  arch: string | null
  appliedAt?: string
  complete?: boolean
}

export async function lastAppliedArch(store: StateStore): Promise<string | null> {
  return (await store.read<AppliedState>('applied'))?.arch ?? null
}
