import type {z} from 'zod'

import {didYouMean} from './suggest.js'

type Issue = z.core.$ZodIssue
type Path = PropertyKey[]

/** A schema problem in words, with where it is in the parsed value. */
export interface PlainIssue {
  path: Path
  /** Point at the key (an unknown or invalid key) rather than its value. */
  want: 'key' | 'value'
  message: string
}

/**
 * Turns zod's issues into messages a person can act on: "unknown key
 * `regoin`; did you mean `region`?", "expected a port number, got "80"".
 * `value` is the raw parsed YAML (to say what was found); `schema` is walked
 * to list the keys an object accepts.
 */
export function explainIssues(issues: readonly Issue[], value: unknown, schema: z.ZodType): PlainIssue[] {
  const flat = flatten(issues, [])
  const unknownKeyAt = new Set(flat.filter((i) => i.code === 'unrecognized_keys').map((i) => pathKey(i.path)))
  const out: PlainIssue[] = []
  for (const issue of flat) {
    // "exactly one of tag or id" adds nothing when the key is a typo.
    if (issue.code === 'custom' && unknownKeyAt.has(pathKey(issue.path))) continue
    out.push(...explain(issue, value, schema))
  }
  return out
}

/** zod issue with its full path. */
type Flat = Issue & {path: Path}

function flatten(issues: readonly Issue[], prefix: Path): Flat[] {
  const out: Flat[] = []
  for (const issue of issues) {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branch = bestBranch(issue.errors)
      if (branch) {
        out.push(...flatten(branch, path))
        continue
      }
    }
    out.push({...issue, path} as Flat)
  }
  return out
}

/**
 * The union branch the user most likely meant: one whose shape the value
 * has (no type mismatch at its root), with the fewest problems. None when
 * the value fits no branch at all.
 */
function bestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const fitting = branches.filter(
    (issues) => !issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
  )
  return fitting.sort((a, b) => a.length - b.length)[0]
}

function explain(issue: Flat, value: unknown, schema: z.ZodType): PlainIssue[] {
  const found = valueAt(value, issue.path)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = objectKeysAt(schema, issue.path)
      return issue.keys.map((key) => ({
        path: [...issue.path, key],
        want: 'key' as const,
        message: `unknown key \`${key}\`${didYouMean(key, allowed)}`,
      }))
    }
    case 'invalid_key': {
      const key = String(issue.path.at(-1))
      const inner = issue.issues[0]
      const reason = inner && isCustom(inner.message) ? `: expected ${inner.message}` : ''
      return [{path: issue.path, want: 'key', message: `\`${key}\` is not a valid key here${reason}`}]
    }
    case 'invalid_type':
      if (!found.exists) {
        return [{path: issue.path, want: 'value', message: 'required key is missing'}]
      }
      return [{path: issue.path, want: 'value', message: `expected ${expectedOf(issue)}, got ${describe(found.value)}`}]
    case 'custom':
      return [{path: issue.path, want: 'value', message: issue.message}]
    default:
      return [{path: issue.path, want: 'value', message: `expected ${expectedOf(issue)}, got ${describe(found.value)}`}]
  }
}

/** zod's own messages start like this; ours are noun phrases. */
function isCustom(message: string): boolean {
  return !/^(Invalid|Too (small|big)|Expected)/.test(message)
}

function expectedOf(issue: Flat): string {
  if (isCustom(issue.message)) return issue.message
  switch (issue.code) {
    case 'invalid_type':
      return typeNames[issue.expected] ?? issue.expected
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'invalid_format':
      return issue.format === 'starts_with' ? `a string starting with "${(issue as {prefix?: string}).prefix}"` : `a ${issue.format}`
    case 'too_small':
      return bound(issue.origin, 'at least', issue.minimum, issue.inclusive)
    case 'too_big':
      return bound(issue.origin, 'at most', issue.maximum, issue.inclusive)
    case 'invalid_union':
      return 'one of the allowed forms (see profiles/schema.json)'
    default:
      return issue.message
  }
}

const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map of keys to values',
  record: 'a map of keys to values',
  array: 'a list',
}

function bound(origin: string, word: string, limit: number | bigint, inclusive = true): string {
  const n = Number(limit)
  if (origin === 'array') return `${word} ${n} item${n === 1 ? '' : 's'}`
  if (origin === 'string') return n === 1 && word === 'at least' ? 'a non-empty string' : `${word} ${n} characters`
  return inclusive ? `a number ${word} ${n}` : `a number ${word === 'at least' ? 'above' : 'below'} ${n}`
}

/** What was found, in words: `the string "x"`, `a list`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'an empty value'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list'
  if (typeof value === 'object') return 'a map'
  return String(value)
}

function valueAt(value: unknown, path: Path): {exists: boolean; value: unknown} {
  let current = value
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return {exists: false, value: undefined}
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return {exists: true, value: current}
}

function pathKey(path: Path): string {
  return path.map(String).join('\u0000')
}

interface Def {
  type: string
  shape?: Record<string, z.ZodType>
  valueType?: z.ZodType
  element?: z.ZodType
  innerType?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as {_zod: {def: Def}})._zod.def

/** The keys the object schema at `path` accepts (union branches merged). */
function objectKeysAt(schema: z.ZodType, path: Path): string[] {
  const keys = new Set<string>()
  for (const s of schemasAt(schema, path)) for (const k of Object.keys(defOf(s).shape ?? {})) keys.add(k)
  return [...keys]
}

function schemasAt(schema: z.ZodType, path: Path): z.ZodType[] {
  const def = defOf(schema)
  const wrapped = def.innerType ?? (def.type === 'pipe' ? def.in : undefined)
  if (wrapped) return schemasAt(wrapped, path)
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => schemasAt(o, path))
  if (path.length === 0) return def.type === 'object' ? [schema] : []
  const [head, ...rest] = path
  if (def.type === 'object') {
    const next = def.shape?.[String(head)]
    return next ? schemasAt(next, rest) : []
  }
  if (def.type === 'record' && def.valueType) return schemasAt(def.valueType, rest)
  if (def.type === 'array' && def.element) return schemasAt(def.element, rest)
  return []
}
