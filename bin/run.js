#!/usr/bin/env node
// fleet's entry point. The CLI is built by `npm run build` (scripts/build.js):
// oclif from dist/oclif.cjs, each command from dist/commands/.
import module from 'node:module'
import {fileURLToPath} from 'node:url'

import {loadOclif} from './load-oclif.js'

// `fleet ... | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

const kind = isHelp(process.argv.slice(2)) ? 'help' : 'run'
// Node's compile cache for the ES modules a command loads (dist/commands,
// dist/chunks); help loads none. oclif itself has a fuller cache, see
// load-oclif.js.
if (kind === 'run') module.enableCompileCache?.()

const oclif = loadOclif(fileURLToPath(new URL('../dist/oclif.cjs', import.meta.url)), kind)
try {
  // Without DEBUG, oclif's debug-based logger is silent: a silent logger
  // spares loading debug (and with it tty and supports-color).
  const loadOptions = process.env.DEBUG ? undefined : {logger: silentLogger('oclif')}
  await oclif.exports.execute({dir: import.meta.url, loadOptions})
} finally {
  oclif.saveCache()
}

/** A guess at what oclif will do, only to pick a code cache: help, or a command. */
function isHelp(argv) {
  const end = argv.indexOf('--')
  const own = end < 0 ? argv : argv.slice(0, end)
  return own.length === 0 || own.includes('--help') || own[0] === 'help'
}

/** oclif's Logger interface, doing nothing (what `debug` does while DEBUG is unset). */
function silentLogger(namespace) {
  const nothing = () => {}
  return {
    namespace,
    child: (name, delimiter = ':') => silentLogger(`${namespace}${delimiter}${name}`),
    debug: nothing,
    error: nothing,
    info: nothing,
    trace: nothing,
    warn: nothing,
  }
}
