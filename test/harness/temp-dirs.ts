/**
 * Temporary folders the harness hands out, removed after each test file (by
 * the vitest setup) or, failing that, when the process exits.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const made: string[] = []

/** A new folder under the OS temp folder, named `<prefix>XXXXXX`. */
export function tempDir(prefix = 'fleet-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  // Synchronous by necessity: an 'exit' listener cannot wait.
  if (made.push(dir) === 1) process.once('exit', removeTempDirs)
  return dir
}

/** Removes every folder tempDir() made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true})
}
