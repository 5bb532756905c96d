import {createTwoFilesPatch} from 'diff'

/** A unified diff of one file (`--- path` / `+++ path`), or '' when nothing changed. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return ''
  const patch = createTwoFilesPatch(path, path, before, after, undefined, undefined, {context: 3})
  // Drop the `Index:` and `====` lines the diff package puts first: `patch` and git don't need them.
  return patch.replace(/^(Index: .*\n)?={3,}\n/, '')
}
