/**
 * Building blocks of the JSON Schemas (draft-07) of fleet's `--json` output.
 * Objects list their fields as required or optional and always allow more
 * (spec section 5: fields may be added, never renamed).
 */

export type Schema = Record<string, unknown>

export const DRAFT_07 = 'http://json-schema.org/draft-07/schema#'

export const str: Schema = {type: 'string'}
export const strOrNull: Schema = {type: ['string', 'null']}
export const num: Schema = {type: 'number'}
export const numOrNull: Schema = {type: ['number', 'null']}
export const int: Schema = {type: 'integer'}
export const intOrNull: Schema = {type: ['integer', 'null']}
export const bool: Schema = {type: 'boolean'}
export const boolOrNull: Schema = {type: ['boolean', 'null']}
export const strings: Schema = {type: 'array', items: str}

export function arrayOf(items: Schema): Schema {
  return {type: 'array', items}
}

export function oneOfValues(...values: Array<string | number | null>): Schema {
  return {enum: values}
}

/** A described schema (shown by editors and in the committed files). */
export function described(description: string, schema: Schema): Schema {
  return {description, ...schema}
}

/** An object with these required fields (and these optional ones); other fields are allowed. */
export function object(required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema {
  return {type: 'object', required: Object.keys(required), properties: {...required, ...optional}}
}

export function nullable(schema: Schema): Schema {
  return {anyOf: [{type: 'null'}, schema]}
}

/** A map of names (accounts, architectures) to values. */
export function mapOf(values: Schema): Schema {
  return {type: 'object', additionalProperties: values}
}

/** `if` of a result whose `--dry-run` document differs from the run's: `dryRun: true`. */
export const isDryRun: Schema = {type: 'object', required: ['dryRun'], properties: {dryRun: {const: true}}}

/** Exit codes of spec section 6 that a failure carries. */
export const exitCode: Schema = oneOfValues(1, 2, 3, 4, 130)

/**
 * A per-account or per-host error (spec section 5: null or {code,
 * message}); fleet adds what to do and the exit code its class stands for.
 */
export const error: Schema = described(
  'null, or what failed: {code, message} (plus nextSteps and exitCode)',
  nullable(object({code: str, message: str}, {nextSteps: strings, exitCode})),
)

/** The document of a failed command (spec section 5): `error` and nothing else. */
export const failure: Schema = {
  ...object({
    error: object({
      code: described('stable, e.g. BadUsage, UnknownArchitecture, AwsTimeout', str),
      message: str,
      exitCode,
      nextSteps: described('what to do about it', strings),
    }),
  }),
  additionalProperties: false,
}

/**
 * The schema of one command's `--json` stdout: its result, or the failure
 * document. `result` sits under `definitions` so tests can point at it.
 */
export function commandSchema(command: string, description: string, result: Schema): Schema {
  return {
    $schema: DRAFT_07,
    title: `fleet ${command} --json`,
    description: `${description} A failed run prints {"error": {code, message, exitCode, nextSteps}} instead. Fields may be added, never renamed.`,
    oneOf: [{$ref: '#/definitions/result'}, {$ref: '#/definitions/failure'}],
    definitions: {result, failure},
  }
}
