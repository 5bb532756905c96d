import {UsageError} from '../errors.js'

/** One problem in a profile file, where an editor can jump to it. */
export interface ProfileIssue {
  file: string
  line: number
  col: number
  /** Key path such as `accounts.app-1.instance.tag`; "" for the whole file. */
  path: string
  message: string
}

/**
 * A profile that fails to parse or validate (exit 2). The message lists
 * every problem as `FILE:LINE:COL: key.path: what was expected`.
 */
export class InvalidProfileError extends UsageError {
  constructor(
    readonly profile: string,
    readonly file: string,
    readonly issues: ProfileIssue[],
  ) {
    const count = issues.length === 1 ? 'a problem' : `${issues.length} problems`
    const lines = issues.map((i) => `  ${i.file}:${i.line}:${i.col}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`)
    super('InvalidProfile', [`Profile \`${profile}\` has ${count}:`, ...lines].join('\n'), {
      nextSteps: ['Compare with profiles/example.yaml; profiles/schema.json gives editors completion and checks.'],
    })
  }
}

/** `accounts.app-1.instance.tag`, `architectures.6.apps[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}
