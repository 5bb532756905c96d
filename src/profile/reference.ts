/**
 * The profile reference of README.md, generated from the profile's JSON
 * Schema (itself generated from the zod schema fleet validates with): one
 * row per key with its type, default and description (src/docs/generated.ts
 * puts it in the README). Pure.
 */

export type JsonSchema = {
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  default?: unknown
  description?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
}

export interface ReferenceRow {
  key: string
  type: string
  default: string
  description: string
}

/** Map keys named in the paths: accounts.NAME, architectures.ID. */
const MAP_KEY_NAMES: Record<string, string> = {accounts: 'NAME', architectures: 'ID'}

/** Every key of the schema, depth first, in the schema's order. */
export function referenceRows(schema: JsonSchema): ReferenceRow[] {
  const rows: ReferenceRow[] = []
  const visit = (node: JsonSchema, path: string, required: boolean) => {
    rows.push({key: path, type: typeOf(node), default: defaultOf(node, required), description: oneLine(node.description ?? '')})
    children(node, path)
  }
  const children = (node: JsonSchema, path: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) visit(child, path ? `${path}.${name}` : name, (node.required ?? []).includes(name))
    if (typeof node.additionalProperties === 'object' && node.additionalProperties.properties) {
      children(node.additionalProperties, `${path}.${MAP_KEY_NAMES[lastKey(path)] ?? 'KEY'}`)
    }
    const objectItem = node.items ? [node.items, ...(node.items.anyOf ?? [])].find((i) => i.properties) : undefined
    if (objectItem) children(objectItem, `${path}[]`)
  }
  children(schema, '')
  return rows
}

/** The reference as a markdown table. */
export function referenceTable(schema: JsonSchema): string {
  const cell = (text: string) => text.replaceAll('|', '\\|')
  const lines = ['| key | type | default | description |', '|---|---|---|---|']
  for (const row of referenceRows(schema)) lines.push(`| \`${row.key}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.description)} |`)
  return lines.join('\n')
}

function typeOf(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => String(v)).join(' | ')
  if (node.const !== undefined) return JSON.stringify(node.const)
  const union = node.anyOf ?? node.oneOf
  if (union && !node.type) return union.map(typeOf).join(' or ')
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type
  if (type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`
  if (type === 'object' && typeof node.additionalProperties === 'object') return `map of ${typeOf(node.additionalProperties)}`
  if ((type === 'integer' || type === 'number') && node.minimum !== undefined && node.maximum !== undefined) return `${type} ${node.minimum}-${node.maximum}`
  return type ?? 'any'
}

function defaultOf(node: JsonSchema, required: boolean): string {
  if (node.default !== undefined) return `\`${Array.isArray(node.default) ? `[${node.default.join(', ')}]` : String(node.default)}\``
  return required ? '**required**' : ''
}

function lastKey(path: string): string {
  return path.split('.').at(-1) ?? ''
}

function oneLine(text: string): string {
  return text.replaceAll(/\s+/g, ' ').trim()
}
