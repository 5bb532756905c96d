/**
 * README.md's generated blocks (the profile reference from the zod schema,
 * the index of the JSON schemas) are what `npm run docs` writes now: a key
 * added to the profile schema, or a new command's schema, fails here until
 * the README is regenerated.
 */
import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {generatedReadme} from '../src/docs/generated.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The text between `<!-- NAME:begin ... -->` and `<!-- NAME:end -->`. */
const block = (text: string, name: string) => text.split(new RegExp(`<!-- ${name}:begin[^>]*-->`))[1]?.split(`<!-- ${name}:end -->`)[0]

describe('README.md', () => {
  test.each(['profile-reference', 'json-schemas'])('its %s block is current (run `npm run docs`)', (name) => {
    expect(block(readme, name), `README.md has no ${name} block`).toBeDefined()
    expect(block(readme, name)).toBe(block(generatedReadme(readme), name))
  })

  test('the profile reference names every key of profiles/schema.json, defaults included', () => {
    const reference = block(readme, 'profile-reference')!
    for (const key of ['region', 'hub.source', 'accounts.NAME.roleArn', 'accounts.NAME.ssh.port', 'nginx.upstreamInclude', 'rds.private', 'architectures.ID.apps[].ports', 'architectures.ID.nginx.keepaliveTimeout', 'cost.cacheHours']) {
      expect(reference).toContain(`| \`${key}\` |`)
    }
    expect(reference).toMatch(/\| `freeTypes` \| list of string \| `\[t2\.micro, t3\.micro\]` \|/)
    expect(reference).toMatch(/\| `hub` \| object \| \*\*required\*\* \|/)
  })
})
