// Loads dist/oclif.cjs (@oclif/core, bundled by scripts/build.js) as
// require() would, plus a V8 code cache that holds every function the last
// run compiled. Node's own compile cache (module.enableCompileCache) keeps
// only what V8 compiles up front, so each run would still compile oclif's
// config loading and help rendering function by function: a third of
// `fleet --help`.
//
// The cache is a file per bundle, Node version, architecture and kind of run
// under $XDG_CACHE_HOME/fleet (or ~/.cache/fleet), named after the SHA-256 on
// the bundle's first line. Help and commands run different parts of oclif,
// so each kind has its own cache (a cache holds what its first run compiled).
// V8 checks its version and flags and rejects a cache that does not fit;
// the run then goes on without and writes a new one. Writing a cache removes
// those of other bundles (an older build). NODE_DISABLE_COMPILE_CACHE=1 turns
// it off, as it does Node's. No cache error may stop the CLI: all are ignored.
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import module from 'node:module'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'
import vm from 'node:vm'

const HASH_LINE = /^\/\/ fleet-bundle-sha256: ([0-9a-f]{64})\n/

/**
 * Runs the bundle as the CommonJS module `file` and puts it in require's
 * cache, so that `import ... from '../oclif.cjs'` in the command bundles
 * gets these very exports. `kind` names the cache ('help', 'run'). Returns
 * the exports and `saveCache()`, to call when the run is done: it writes the
 * cache when there was none or V8 rejected it.
 */
export function loadOclif(file, kind) {
  const source = readFileSync(file, 'utf8')
  const cacheFile = cacheFileFor(source, kind)
  let cachedData
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile)
    } catch {}
  }

  // require()'s wrapper plus __fleetHostImport: in a vm.Script, `import()`
  // needs an experimental flag, so the bundle's computed imports (oclif
  // importing a command by file URL) come here; see scripts/oclif-patches.js.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __fleetHostImport) {${source}\n})`
  const script = new vm.Script(wrapped, {filename: file, cachedData})
  const hostImport = (specifier) => import(new URL(specifier, pathToFileURL(file)).href)

  const require = module.createRequire(file)
  const mod = new module.Module(file)
  mod.filename = file
  require.cache[file] = mod
  try {
    script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, dirname(file), hostImport)
  } catch (error) {
    delete require.cache[file]
    throw error
  }
  mod.loaded = true

  const stale = cachedData === undefined || script.cachedDataRejected === true
  return {exports: mod.exports, saveCache: () => stale && cacheFile && writeCache(cacheFile, script)}
}

function cacheFileFor(source, kind) {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined
  const hash = HASH_LINE.exec(source)?.[1]
  if (!hash) return undefined
  let base = process.env.XDG_CACHE_HOME
  try {
    base ||= join(homedir(), '.cache')
  } catch {
    return undefined
  }
  return join(base, 'fleet', `oclif-${hash.slice(0, 32)}-${process.version}-${process.arch}-${kind}.v8`)
}

function writeCache(cacheFile, script) {
  const dir = dirname(cacheFile)
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    const temporary = `${cacheFile}.${process.pid}.tmp`
    writeFileSync(temporary, script.createCachedData(), {mode: 0o600})
    renameSync(temporary, cacheFile)
  } catch {
    return
  }
  // `oclif-<hash>-`: the caches of this bundle; any other is an old build's.
  const bundle = cacheFile.slice(dir.length + 1).split('-', 2).join('-')
  try {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('oclif-') && name.endsWith('.v8') && !name.startsWith(`${bundle}-`)) rmSync(join(dir, name), {force: true})
    }
  } catch {}
}
