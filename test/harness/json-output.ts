/**
 * Every `fleet ... --json` run of the tests is checked against the
 * command's committed JSON Schema (`schemas/<command>.json`, spec section 5
 * shapes, written by `npm run schema` from src/json-schemas): runFleet does
 * it for each run, so a renamed or removed field fails the test that ran the
 * command. A failure document (`{"error": {...}}`) is checked against the
 * schema's failure branch, a result against its result branch.
 */
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv, type ValidateFunction} from 'ajv'

const REPO = new URL('../../', import.meta.url)

type Validators = {result: ValidateFunction; failure: ValidateFunction}

const ajv = new Ajv({allErrors: true, strict: false})
const cache = new Map<string, Validators | null>()
let manifestIds: Set<string> | undefined

/** `upstream:sync` → `schemas/upstream-sync.json` (as src/json-schemas/index.ts names them). */
export function schemaPath(commandId: string): string {
  return fileURLToPath(new URL(`schemas/${commandId.replaceAll(':', '-')}.json`, REPO))
}

/** The command an argv runs, by the longest run of leading words that is a command id of the manifest. */
export function commandIdOf(args: readonly string[]): string | undefined {
  manifestIds ??= new Set(Object.keys((JSON.parse(readFileSync(new URL('oclif.manifest.json', REPO), 'utf8')) as {commands: object}).commands))
  const words: string[] = []
  for (const arg of args) {
    if (arg.startsWith('-')) break
    words.push(arg)
  }
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':')
    if (manifestIds.has(id)) return id
  }
  return undefined
}

/** True for an argv that asks for JSON (before any `--`), help aside. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--')
  const own = end < 0 ? args : args.slice(0, end)
  return own.includes('--json') && !own.includes('--help') && !own.includes('-h')
}

/**
 * What is wrong with the stdout of a `--json` run against its command's
 * schema; empty when it conforms. `--watch` prints one document per line.
 */
export function jsonOutputProblems(args: readonly string[], stdout: string): string[] {
  const id = commandIdOf(args)
  const documents = parseDocuments(stdout, args.includes('--watch'))
  if (typeof documents === 'string') return [documents]
  const validators = id === undefined ? genericValidators() : validatorsFor(id)
  if (validators === null) return [`there is no JSON Schema for \`fleet ${id!.replaceAll(':', ' ')} --json\`: add it to src/json-schemas and run \`npm run schema\` (${schemaPath(id!)})`]
  const problems: string[] = []
  for (const document of documents) {
    const isFailure = isObject(document) && Object.keys(document).length === 1 && 'error' in document
    const validate = isFailure ? validators.failure : validators.result
    if (!validate(document)) {
      const where = id === undefined ? 'the failure document' : `${isFailure ? 'the failure branch' : 'the result'} of schemas/${id.replaceAll(':', '-')}.json`
      problems.push(`stdout does not match ${where}: ${ajv.errorsText(validate.errors, {separator: '; ', dataVar: 'stdout'})}`)
    }
  }
  return problems
}

/** Throws when a `--json` run's stdout does not match its command's schema. */
export function assertJsonOutput(args: readonly string[], stdout: string): void {
  const problems = jsonOutputProblems(args, stdout)
  if (problems.length > 0) throw new Error(`fleet ${args.join(' ')}:\n${problems.join('\n')}\nstdout:\n${stdout.slice(0, 4000)}`)
}

function parseDocuments(stdout: string, lines: boolean): unknown[] | string {
  try {
    return [JSON.parse(stdout) as unknown]
  } catch {
    if (!lines) return `stdout is not one JSON document: ${JSON.stringify(stdout.slice(0, 300))}`
  }
  try {
    return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown)
  } catch {
    return `stdout is not one JSON document per line: ${JSON.stringify(stdout.slice(0, 300))}`
  }
}

function validatorsFor(id: string): Validators | null {
  if (!cache.has(id)) {
    const file = schemaPath(id)
    cache.set(id, existsSync(file) ? compile(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null)
  }
  return cache.get(id)!
}

/** Before a command runs (an unknown command), only the failure document can be printed. */
function genericValidators(): Validators {
  const any = validatorsFor('status')
  if (!any) throw new Error(`${schemaPath('status')} is missing: run \`npm run schema\``)
  return {result: ajv.compile({not: {}}), failure: any.failure}
}

function compile(schema: Record<string, unknown>): Validators {
  const {definitions} = schema as {definitions?: Record<string, unknown>}
  if (!definitions?.result || !definitions.failure) throw new Error(`schema ${String(schema.title)} has no definitions.result / definitions.failure`)
  return {
    result: ajv.compile({definitions, $ref: '#/definitions/result'}),
    failure: ajv.compile({definitions, $ref: '#/definitions/failure'}),
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
