/**
 * The files fleet generates from its own schemas, so that what users read
 * cannot drift from what the code checks: `profiles/schema.json`,
 * `schemas/<command>.json` and the generated blocks of README.md (the
 * profile reference, the index of the JSON schemas). `npm run schema`
 * (scripts/gen-schema.js) writes them; tests fail while a committed one is
 * stale.
 */
import {COMMAND_JSON_SCHEMAS, schemaFileName} from '../json-schemas/index.js'
import {profileJsonSchema} from '../profile/json-schema.js'
import {type JsonSchema, referenceTable} from '../profile/reference.js'

export {profileJsonSchema}

/** `schemas/` as it should be: file name → text. */
export function commandSchemaFiles(): Record<string, string> {
  return Object.fromEntries(Object.entries(COMMAND_JSON_SCHEMAS).map(([id, schema]) => [schemaFileName(id), `${JSON.stringify(schema, null, 2)}\n`]))
}

/** README's index of the committed JSON schemas, one row per command. */
export function schemaIndexTable(): string {
  const rows = Object.entries(COMMAND_JSON_SCHEMAS).map(([id, schema]) => {
    const what = String(schema.description ?? '').split(' A failed run prints')[0] ?? ''
    return `| \`fleet ${id.replaceAll(':', ' ')} --json\` | [schemas/${schemaFileName(id)}](schemas/${schemaFileName(id)}) | ${what.replaceAll('|', '\\|')} |`
  })
  return ['| command | schema | what it holds |', '|---|---|---|', ...rows].join('\n')
}

/** README.md with every generated block brought up to date. */
export function generatedReadme(readme: string): string {
  const withReference = replaceBlock(readme, 'profile-reference', referenceTable(profileJsonSchema() as JsonSchema))
  return replaceBlock(withReference, 'json-schemas', schemaIndexTable())
}

/**
 * Replaces the text between `<!-- NAME:begin ... -->` and `<!-- NAME:end -->`
 * (both kept); throws when the block is missing.
 */
export function replaceBlock(text: string, name: string, content: string): string {
  const begin = new RegExp(`<!-- ${name}:begin[^>]*-->`).exec(text)
  const end = begin ? text.indexOf(`<!-- ${name}:end -->`, begin.index) : -1
  if (!begin || end < 0) throw new Error(`README.md has no <!-- ${name}:begin --> … <!-- ${name}:end --> block`)
  return `${text.slice(0, begin.index + begin[0].length)}\n${content}\n${text.slice(end)}`
}
