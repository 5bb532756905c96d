import {z} from 'zod'

import {ProfileSchema} from './schema.js'

/**
 * The JSON Schema of a profile (for editor completion), generated from the
 * schema fleet validates with. `scripts/gen-schema.js` writes it to
 * `profiles/schema.json`; a test keeps the two equal.
 */
export function profileJsonSchema(): Record<string, unknown> {
  // `input`: a key with a default is optional to write.
  return z.toJSONSchema(ProfileSchema, {io: 'input', target: 'draft-2020-12'}) as Record<string, unknown>
}
