#!/usr/bin/env node
// Writes what fleet generates from its own schemas (run after the build,
// `npm run schema` or `npm run docs`): profiles/schema.json from the zod
// schema, schemas/<command>.json (the JSON Schema of each command's --json
// output) and README.md's generated blocks (the profile reference, the index
// of the JSON schemas). Tests fail while a committed one is stale.
import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

import {commandSchemaFiles, generatedReadme, profileJsonSchema} from '../dist/src/docs/generated.js'

const root = new URL('..', import.meta.url)
const write = async (relative, text) => {
  await writeFile(new URL(relative, root), text)
  console.error(`wrote ${relative}`)
}

await write('profiles/schema.json', JSON.stringify(profileJsonSchema(), null, 2) + '\n')

const files = commandSchemaFiles()
for (const [name, text] of Object.entries(files)) await write(`schemas/${name}`, text)
// A command that is gone takes its schema with it.
for (const name of await readdir(new URL('schemas/', root))) {
  if (name.endsWith('.json') && !(name in files)) {
    await rm(fileURLToPath(new URL(`schemas/${name}`, root)))
    console.error(`removed schemas/${name}`)
  }
}

const readme = await readFile(new URL('README.md', root), 'utf8')
const next = generatedReadme(readme)
if (next !== readme) await write('README.md', next)
