import {crossCheck} from './cross-check.js'
import {InvalidProfileError, formatPath, type ProfileIssue} from './errors.js'
import {asSelector, type ProfileData, ProfileSchema} from './schema.js'
import {YamlSource} from './yaml-source.js'
import {explainIssues, type PlainIssue} from './zod-issues.js'

export interface ParsedProfile {
  data: ProfileData
  /** Account names in file order. */
  accountOrder: string[]
  /** Architecture ids in file order ("4-1" after "3", not after "6"). */
  architectureOrder: string[]
}

/**
 * Parses and validates a profile's text. Every problem (YAML syntax,
 * schema, cross-field rules) is reported at once, each with the file, line,
 * column and key path; nothing is half-accepted.
 */
export function parseProfileText(text: string, file: string, profileName: string): ParsedProfile {
  const source = new YamlSource(text)
  if (source.errors.length > 0) {
    throw new InvalidProfileError(
      profileName,
      file,
      source.errors.map((e) => ({file, line: e.line, col: e.col, path: '', message: `YAML syntax: ${e.message}`})),
    )
  }
  if (source.value === null || source.value === undefined) {
    throw new InvalidProfileError(profileName, file, [{file, line: 1, col: 1, path: '', message: 'the file is empty; `fleet init` writes a starter profile'}])
  }
  const result = ProfileSchema.safeParse(source.value)
  const plain: PlainIssue[] = [
    ...(result.success ? [] : explainIssues(result.error.issues, source.value, ProfileSchema)),
    ...crossCheck(source.value),
  ]
  if (!result.success || plain.length > 0) {
    const issues = plain.map((p): ProfileIssue => ({file, ...source.locate(p.path, p.want), path: formatPath(p.path), message: p.message}))
    issues.sort((a, b) => a.line - b.line || a.col - b.col)
    throw new InvalidProfileError(profileName, file, issues)
  }
  const data = result.data as ProfileData
  for (const account of Object.values(data.accounts)) account.instance = asSelector(account.instance)
  return {
    data,
    accountOrder: source.keysInOrder(['accounts']),
    architectureOrder: source.keysInOrder(['architectures']),
  }
}
