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

// oclif tells developers (NODE_ENV=development or test) about a command that
// never parses its arguments; @oclif/plugin-autocomplete's `create` is one.
// That is for the plugin's authors, not for fleet's users: every other
// warning still reaches stderr.
const emitWarning = process.emitWarning.bind(process)
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1]
  if (code !== 'UnparsedCommand') emitWarning(warning, ...rest)
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
  const argv = process.argv.slice(2)
  const root = fileURLToPath(new URL('..', import.meta.url))
  const loadOptions = process.env.DEBUG ? {root} : {root, logger: silentLogger('oclif')}
  try {
    await oclif.exports.run(argv, loadOptions)
    await oclif.exports.flush()
  } catch (error) {
    // Failures before a command runs (an unknown command): with --json, still one JSON document.
    if (!wantsJson(argv)) await oclif.exports.handle(error instanceof Error ? error : new Error(String(error)))
    else printJsonError(error)
  }
} finally {
  oclif.saveCache()
}

function wantsJson(argv) {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json')
}

/** The spec's error envelope (section 5) for an error oclif raised before any fleet command ran. */
function printJsonError(error) {
  const message = String(error?.message ?? error).replace(/\n*See more help with --help$/, '')
  const unknown = /command .* not found/.test(message)
  const exitCode = 2
  const nextSteps = unknown ? ['`fleet --help` lists the commands.'] : ['See `fleet --help`.']
  process.stdout.write(JSON.stringify({error: {code: unknown ? 'UnknownCommand' : 'BadUsage', message, exitCode, nextSteps}}, null, 2) + '\n')
  process.exitCode = exitCode
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
