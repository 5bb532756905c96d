#!/usr/bin/env node
// Builds dist/ with esbuild; TypeScript stays the type checker (`npm run
// build` runs `tsc --noEmit` first). Spec section 8: `fleet --help` starts in at most 2.5x the time
// of `node -e 0`. Unbundled, Node spends most of that loading @oclif/core's
// ~180 CommonJS files, so:
//
//   dist/oclif.cjs          @oclif/core and its dependencies in one CommonJS
//                           file. bin/run.js loads it with a V8 code cache
//                           (see bin/load-oclif.js): help is oclif's own,
//                           rendered from oclif.manifest.json. It also holds
//                           a snapshot of each core plugin (package.json
//                           `oclif.plugins`: @oclif/plugin-autocomplete), so
//                           that start-up never looks for them on disk.
//   dist/commands/<id>.js   one ES module per command; oclif imports only
//                           the one that runs (its path is in the manifest).
//   dist/chunks/*.js        code shared between commands, and every
//                           `await import()`: each AWS SDK client is a chunk
//                           of its own, loaded only by what calls it.
//
// Commands and chunks import `@oclif/core` as `dist/oclif.cjs`, so a command
// extends the very Command class that the running oclif loaded.
// FLEET_BUILD_META=<file> writes esbuild's metafile of the commands build
// (what went into which chunk).
import {createHash} from 'node:crypto'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

import {oclifPatches} from './oclif-patches.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = join(root, 'dist')
const OCLIF_BUNDLE = join(outdir, 'oclif.cjs')
/** What ES module outputs import instead of `@oclif/core`; rewritten to a relative path below. */
const OCLIF_PLACEHOLDER = 'fleet-oclif-core-bundle'
const HASH_LABEL = 'fleet-bundle-sha256: '

/**
 * Native modules (.node files) cannot be bundled; node-ssh comes along with
 * ssh2 (optional native crypto, cpu-features).
 */
const NATIVE = ['keytar', 'node-ssh', 'ssh2', 'cpu-features']

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  sourcesContent: false,
  // Class names stay as written: oclif and our errors print them.
  keepNames: true,
  logLevel: 'warning',
  write: false,
}

/** Every command file, as `commands/<topic>/<verb>` without `.ts`. */
async function commandEntries() {
  const files = await readdir(join(root, 'commands'), {recursive: true})
  return files
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => ({in: join(root, 'commands', file), out: join('commands', file.slice(0, -'.ts'.length))}))
}

/**
 * dist/oclif.cjs exports what @oclif/core's index exports, as named ES
 * exports: esbuild then writes the `0 && (module.exports = {...})` note that
 * lets Node's ES module loader see the names.
 */
async function oclifBundle() {
  const names = Object.keys(createRequire(join(root, 'package.json'))('@oclif/core')).sort()
  const corePlugins = await corePluginSnapshots()
  const entry = `export {${names.join(', ')}} from '@oclif/core'\n`
  const result = await build({
    ...common,
    stdin: {contents: entry, resolveDir: root, sourcefile: 'oclif-entry.js', loader: 'js'},
    outfile: OCLIF_BUNDLE,
    format: 'cjs',
    // A smaller file and code cache to read on every run (keepNames holds).
    minify: true,
    banner: {
      js: [
        // Filled in by writeOutputs (same length, so the source map stays right).
        `// ${HASH_LABEL}${'0'.repeat(64)}`,
        // bin/load-oclif.js passes __fleetHostImport; see scripts/oclif-patches.js.
        "var __fleetImport = typeof __fleetHostImport === 'function' ? __fleetHostImport : (specifier) => import(specifier);",
        // Patch 7 of scripts/oclif-patches.js.
        `var __fleetCorePlugins = ${JSON.stringify(corePlugins)};`,
      ].join('\n'),
    },
    plugins: [oclifPatches()],
  })
  await writeOutputs(result.outputFiles)
}

/**
 * The core plugins of package.json (`oclif.plugins`) as oclif would load
 * them: where each is installed (relative to the CLI's root, as path
 * segments), its package.json and its oclif.manifest.json. Patch 7 of scripts/oclif-patches.js serves them from
 * the bundle, so start-up does not look for them. A plugin without a
 * manifest of its own version is left to oclif (which then warns).
 */
async function corePluginSnapshots() {
  const pjson = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
  const snapshots = {}
  for (const name of pjson.oclif?.plugins ?? []) {
    if (!pjson.dependencies?.[name]) throw new Error(`package.json: oclif.plugins names ${name}, which is not a dependency`)
    const dir = join(root, 'node_modules', ...name.split('/'))
    const plugin = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    const manifest = JSON.parse(await readFile(join(dir, 'oclif.manifest.json'), 'utf8').catch(() => 'null'))
    if (manifest?.version !== plugin.version) continue
    snapshots[name] = {root: relative(root, dir).split(sep), pjson: plugin, manifest}
  }
  return snapshots
}

/** Commands and everything they import except @oclif/core, as split ES modules. */
async function commandsBundle() {
  const result = await build({
    ...common,
    entryPoints: [
      ...(await commandEntries()),
      // scripts/gen-schema.js imports it.
      {in: join(root, 'src/docs/generated.ts'), out: 'src/docs/generated'},
      // bench/nginx.js builds its configs with fleet's own nginx core.
      {in: join(root, 'src/nginx/index.ts'), out: 'src/nginx/index'},
    ],
    outdir,
    splitting: true,
    format: 'esm',
    chunkNames: 'chunks/[name]-[hash]',
    // The ES module builds (the AWS SDK's dist-es): esbuild can tree-shake
    // them where they are imported by name. (An `await import()` namespace
    // keeps every export.)
    mainFields: ['module', 'main'],
    external: NATIVE,
    // Bundled CommonJS (debug, yaml, ...) calls require() for Node's modules.
    banner: {js: "import {createRequire as __fleetCreateRequire} from 'node:module';\nconst require = __fleetCreateRequire(import.meta.url);"},
    plugins: [oclifExternal],
    metafile: Boolean(process.env.FLEET_BUILD_META),
  })
  for (const file of result.outputFiles) {
    if (!file.path.endsWith('.js')) continue
    const target = relative(dirname(file.path), OCLIF_BUNDLE).split(sep).join('/')
    const text = file.text.replaceAll(`"${OCLIF_PLACEHOLDER}"`, JSON.stringify(target.startsWith('.') ? target : `./${target}`))
    file.contents = Buffer.from(text)
  }
  await writeOutputs(result.outputFiles)
  if (process.env.FLEET_BUILD_META) await writeFile(process.env.FLEET_BUILD_META, JSON.stringify(result.metafile))
}

/** `@oclif/core` stays out of the ES module outputs; any subpath would be a second copy of oclif. */
const oclifExternal = {
  name: 'oclif-external',
  setup(b) {
    b.onResolve({filter: /^@oclif\/core(\/|$)/}, (args) => {
      if (args.path !== '@oclif/core') {
        return {errors: [{text: `import ${args.path} from '@oclif/core' instead: dist/oclif.cjs exports only the package's index`}]}
      }
      return {path: OCLIF_PLACEHOLDER, external: true}
    })
  },
}

/**
 * Writes esbuild's outputs; dist/oclif.cjs's first line gets the SHA-256 of
 * the rest, the key of its code cache (bin/load-oclif.js).
 */
async function writeOutputs(files) {
  for (const file of files) {
    let contents = file.contents
    if (file.path === OCLIF_BUNDLE) {
      const text = file.text
      const body = text.slice(text.indexOf('\n') + 1)
      const hash = createHash('sha256').update(body).digest('hex')
      contents = Buffer.from(`// ${HASH_LABEL}${hash}\n${body}`)
    }
    await mkdir(dirname(file.path), {recursive: true})
    await writeFile(file.path, contents)
  }
}

await rm(outdir, {recursive: true, force: true})
await Promise.all([oclifBundle(), commandsBundle()])
console.error(`built ${relative(process.cwd(), outdir) || '.'}`)
