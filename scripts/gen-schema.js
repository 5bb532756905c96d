#!/usr/bin/env node
// Writes profiles/schema.json from the zod schema (run after the build:
// `node scripts/gen-schema.js`). A test checks the committed file is current.
import {writeFile} from 'node:fs/promises'

import {profileJsonSchema} from '../dist/src/profile/json-schema.js'

const target = new URL('../profiles/schema.json', import.meta.url)
await writeFile(target, JSON.stringify(profileJsonSchema(), null, 2) + '\n')
console.error(`wrote ${target.pathname}`)
