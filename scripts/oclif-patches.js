// esbuild plugin for scripts/build.js: changes to @oclif/core's CommonJS
// (lib/**/*.js) as it is bundled, each keeping oclif's behaviour and output
// byte for byte and each worth milliseconds of `fleet --help` (measured with
// `node --cpu-prof` and CPU-time medians). test/cli-startup.test.ts compares
// the bundled CLI's help with the one oclif renders unbundled.
//
// 1. Lazy requires. oclif's index and modules require ~180 modules up front
//    (the spinner, the glob library, the error pretty-printer, ...); help
//    needs a fraction of them. `const x = require("m")` becomes a proxy that
//    requires "m" on first use, and the index's `exports.X =
//    __importStar(require("m"))` a getter. TypeScript's CommonJS output only
//    reads properties of such a binding (`(0, x.f)()`, `x.C`), so a proxy is
//    transparent to it.
// 2. Help texts without a template tag are not run through ejs: ejs compiles
//    every string with `new Function` and, without `<%` or `%>`, gives back
//    the string itself.
// 3. The plugin's command list is sorted with an ASCII comparator where the
//    ids allow it: `localeCompare` first builds an ICU collator (~8 ms). For
//    ids made of [a-z0-9:-] the order is the same as localeCompare's (root
//    and en collation: `-` < `:` < digits < letters); any other id falls back
//    to localeCompare. The order is internal anyway: help sorts again.
// 4. Dynamic `import(x)` of a computed x (oclif importing a command, lilconfig
//    a config file) becomes `__fleetImport(x)`: bin/load-oclif.js runs the
//    bundle in a vm.Script, where `import()` would need an experimental flag,
//    and passes a function that imports from an ordinary module.
//    scripts/build.js defines `__fleetImport` for a plain require() too.
//    Imports of a string literal stay: esbuild bundles those.
// 5. `getPlatform()` imports wsl-utils for its `isWsl`, and wsl-utils loads
//    child_process and the PowerShell helpers at once; oclif gets a module
//    with is-wsl's answer (which wsl-utils re-exports as is) and a
//    `powerShellPath` that imports wsl-utils when called.
// 6. No engines check in the index: see REPLACEMENTS.
// 7. Core plugins (package.json `oclif.plugins`: @oclif/plugin-autocomplete)
//    load from a snapshot taken at build time (their package.json and
//    oclif.manifest.json, see scripts/build.js `corePluginSnapshots`)
//    instead of `require.resolve`, a walk up the folders and two file reads
//    on every run: `fleet --help` lists their commands at no cost, and their
//    code is imported only when one of their commands runs. A snapshot is
//    used only where the plugin still is where the build found it (one stat);
//    otherwise oclif finds it as usual.
// 8. The plugins package.json names are matched against the dependencies
//    with minimatch, which compiles each pattern for each dependency (and
//    loading minimatch is most of the cost): a name without glob syntax
//    (every one fleet lists) is compared as a string; a real glob still
//    goes to minimatch.
//
// A patch whose pattern is gone (a new @oclif/core) fails the build, so that
// it is looked at rather than silently dropped: the exact replacements must
// match once each, and the rewriting patches (1 and 4) must rewrite at least
// the number of sites they rewrote when @oclif/core was last reviewed
// (EXPECTED_SITES). @oclif/core is pinned to that exact version in
// package.json; after an upgrade, review the patches and the counts.
import {readFile} from 'node:fs/promises'
import {dirname} from 'node:path'

const OCLIF_LIB = /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/

/** Appended to each oclif module with a lazy binding (a few hundred bytes each). */
const LAZY_RUNTIME = `
function __fleetLazy(load, interop) {
  let mod
  const get = () => (mod ??= interop ? __fleetInteropDefault(load()) : load())
  // An arrow function as target: callable, and no non-configurable own keys
  // (a function's \`prototype\`) for the proxy's invariants to trip on.
  return new Proxy(() => {}, {
    get: (_, key) => get()[key],
    set: (_, key, value) => ((get()[key] = value), true),
    has: (_, key) => key in get(),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Object.getOwnPropertyDescriptor(get(), key)
      if (descriptor) descriptor.configurable = true
      return descriptor
    },
    apply: (_, self, args) => Reflect.apply(get(), self, args),
  })
}
function __fleetOnce(make) {
  let made
  let value
  return () => (made ? value : ((made = true), (value = make())))
}
function __fleetInteropDefault(mod) {
  return mod && mod.__esModule ? mod : {default: mod}
}
`

/**
 * Sites rewritten with @oclif/core 5.1.9 (the pinned version): lazy
 * bindings (patch 1) and computed imports (patch 4, oclif's and lilconfig's).
 * Fewer means a pattern no longer matches what oclif writes.
 */
export const EXPECTED_SITES = {lazyRequires: 272, computedImports: 5}

/** Throws when a rewriting patch rewrote fewer sites than the reviewed @oclif/core had. */
export function assertSites(found, expected = EXPECTED_SITES) {
  for (const [patch, count] of Object.entries(expected)) {
    if (!(found[patch] >= count)) {
      throw new Error(`scripts/oclif-patches.js: the ${patch} patch rewrote ${found[patch]} sites, fewer than the ${count} of the reviewed @oclif/core; review the patch`)
    }
  }
}

/** Exact source replacements, by file (relative to @oclif/core/lib). */
const REPLACEMENTS = {
  // Patch 6: the index warns when Node does not satisfy @oclif/core's
  // `engines` (>=18), loading semver's 47 modules to tell. The bundle is built
  // for Node 22 (fleet's own `engines`) and would not even parse on an older
  // one. Unbundled, the check reads @oclif/core's package.json beside
  // `__dirname`, which in the bundle is dist/.
  'index.js': [['checkCWD();\ncheckNodeVersion();\n', 'checkCWD();\n']],
  'help/util.js': [
    [
      'return ejs_1.default.render(t, context);',
      "return typeof t === 'string' && !t.includes('<%') && !t.includes('%>') ? t : ejs_1.default.render(t, context);",
    ],
  ],
  'config/plugin.js': [
    ['.sort((a, b) => a.id.localeCompare(b.id));', '.sort((a, b) => __fleetCompareIds(a.id, b.id));'],
    // Patch 7: root, package.json and manifest of a core plugin from its snapshot.
    [
      ': await (0, find_root_1.findRoot)(this.options.name, this.options.root);',
      ': (__fleetCorePlugin(this)?.root ?? (await (0, find_root_1.findRoot)(this.options.name, this.options.root)));',
    ],
    [
      'this.pjson = this.options.pjson ?? (await (0, read_pjson_1.readPjson)(root));',
      'this.pjson = this.options.pjson ?? __fleetCorePlugin(this)?.pjson ?? (await (0, read_pjson_1.readPjson)(root));',
    ],
    ['this.manifest = await this._manifest();', 'this.manifest = __fleetCoreManifest(this) ?? (await this._manifest());'],
  ],
  // Patch 8.
  'config/plugin-loader.js': [
    [
      'patterns.some((w) => (0, minimatch_1.minimatch)(p, w))',
      'patterns.some((w) => (__fleetIsGlob(w) ? (0, minimatch_1.minimatch)(p, w) : p === w))',
    ],
  ],
}

/**
 * Patch 7's runtime: the snapshot of a core plugin (__fleetCorePlugins,
 * defined by the bundle's banner, see scripts/build.js), where the plugin is
 * still installed where the build found it, relative to the CLI's root.
 */
const CORE_PLUGINS = `
const __fleetCoreSeen = new WeakMap()
function __fleetCorePlugin(plugin) {
  if (__fleetCoreSeen.has(plugin)) return __fleetCoreSeen.get(plugin)
  let found
  const options = plugin.options ?? {}
  const snapshot = typeof __fleetCorePlugins === 'object' && options.type === 'core' && !options.isRoot && !options.ignoreManifest && options.name && options.root ? __fleetCorePlugins[options.name] : undefined
  if (snapshot) {
    const path = require('node:path')
    const root = path.join(options.root, ...snapshot.root)
    if (require('node:fs').existsSync(path.join(root, 'package.json'))) found = {root, pjson: structuredClone(snapshot.pjson), manifest: structuredClone(snapshot.manifest)}
  }
  __fleetCoreSeen.set(plugin, found)
  return found
}
function __fleetCoreManifest(plugin) {
  const found = __fleetCorePlugin(plugin)
  if (!found || found.root !== plugin.root) return undefined
  plugin.hasManifest = true
  return found.manifest
}
`

/** Patch 8's runtime: what minimatch would read as more than a literal name (wildcards, classes, braces, extglobs, negation). */
const LITERAL_NAMES = `
function __fleetIsGlob(pattern) {
  return /^!|[*?[\\]{}]|[@+!]\\(/.test(pattern)
}
`

const COMPARE_IDS = `
const __fleetIdOrder = '-:0123456789abcdefghijklmnopqrstuvwxyz'
function __fleetCompareIds(a, b) {
  if (!/^[a-z0-9:-]*$/.test(a) || !/^[a-z0-9:-]*$/.test(b)) return a.localeCompare(b)
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = __fleetIdOrder.indexOf(a[i]) - __fleetIdOrder.indexOf(b[i])
    if (d !== 0) return d
  }
  return a.length - b.length
}
`

/** Makes the top-level `const x = require("m")` bindings of one module lazy; `sites.count` counts the rewrites. */
export function lazyRequires(source, sites = {count: 0}) {
  let count = 0
  let out = source.replace(/^(const|var) (\w+) = require\(("[^"]+")\);$/gm, (_, keyword, name, spec) => {
    count++
    return `${keyword} ${name} = __fleetLazy(() => require(${spec}));`
  })
  out = out.replace(/^(const|var) (\w+) = __importDefault\(require\(("[^"]+")\)\);$/gm, (_, keyword, name, spec) => {
    count++
    return `${keyword} ${name} = __fleetLazy(() => require(${spec}), true);`
  })
  out = out.replace(/^exports\.(\w+) = __importStar\(require\(("[^"]+")\)\);$/gm, (_, name, spec) => {
    count++
    return `Object.defineProperty(exports, ${JSON.stringify(name)}, {enumerable: true, get: __fleetOnce(() => __importStar(require(${spec})))});`
  })
  sites.count += count
  return count > 0 ? out + LAZY_RUNTIME : out
}

/** Applies REPLACEMENTS[file] to source; throws when one no longer matches exactly once. */
export function replaceExact(file, source) {
  let out = source
  for (const [from, to] of REPLACEMENTS[file] ?? []) {
    const at = out.indexOf(from)
    if (at < 0 || out.indexOf(from, at + 1) >= 0) {
      throw new Error(`scripts/oclif-patches.js: @oclif/core/lib/${file} no longer contains ${JSON.stringify(from)} exactly once; review the patch`)
    }
    out = out.slice(0, at) + to + out.slice(at + from.length)
  }
  if (file === 'config/plugin.js') out += COMPARE_IDS + CORE_PLUGINS
  if (file === 'config/plugin-loader.js') out += LITERAL_NAMES
  return out
}

const WSL_SHIM = `export {default as isWsl} from 'is-wsl'
export async function powerShellPath() {
  return (await import('wsl-utils')).powerShellPath()
}
`

/** `import(` of anything but a literal, not in a string or after a `.`. */
const COMPUTED_IMPORT = /(?<![\w$.'"`])import\((?!\s*['"`])/g

/** Routes computed dynamic imports through `__fleetImport` (see 4 above); `sites.count` counts the rewrites. */
export function hostImports(source, sites = {count: 0}) {
  return source.replace(COMPUTED_IMPORT, () => {
    sites.count += 1
    return '__fleetImport('
  })
}

/** The esbuild plugin. */
export function oclifPatches() {
  const seen = new Set()
  const lazy = {count: 0}
  const imports = {count: 0}
  return {
    name: 'oclif-patches',
    setup(build) {
      build.onResolve({filter: /^wsl-utils$/}, async (args) => {
        if (!/[\\/]@oclif[\\/]core[\\/]lib[\\/]util[\\/]os\.js$/.test(args.importer)) return undefined
        seen.add('wsl-utils')
        // Resolved as oclif would, so that the shim's own imports find the same packages.
        const real = await build.resolve('wsl-utils', {kind: args.kind, resolveDir: args.resolveDir})
        if (real.errors.length > 0) return {errors: real.errors}
        return {path: real.path, namespace: 'fleet-wsl-shim'}
      })
      build.onLoad({filter: /.*/, namespace: 'fleet-wsl-shim'}, (args) => ({contents: WSL_SHIM, resolveDir: dirname(args.path), loader: 'js'}))
      build.onLoad({filter: OCLIF_LIB}, async (args) => {
        const file = args.path.split(/[\\/]@oclif[\\/]core[\\/]lib[\\/]/)[1].replaceAll('\\', '/')
        seen.add(file)
        const source = await readFile(args.path, 'utf8')
        return {contents: hostImports(lazyRequires(replaceExact(file, source), lazy), imports), loader: 'js'}
      })
      // Other packages of the bundle that import computed paths (lilconfig).
      build.onLoad({filter: /[\\/]node_modules[\\/].*\.(c?js|mjs)$/}, async (args) => {
        if (OCLIF_LIB.test(args.path)) return undefined
        const source = await readFile(args.path, 'utf8')
        if (!source.match(COMPUTED_IMPORT)) return undefined
        return {contents: hostImports(source, imports), loader: 'js'}
      })
      build.onEnd((result) => {
        if (result.errors.length > 0) return
        for (const file of [...Object.keys(REPLACEMENTS), 'wsl-utils']) {
          if (!seen.has(file)) throw new Error(`scripts/oclif-patches.js: @oclif/core/lib/${file} was not bundled; review the patch`)
        }
        const found = {lazyRequires: lazy.count, computedImports: imports.count}
        if (process.env.FLEET_PATCH_COUNTS) console.error(`oclif patches rewrote ${JSON.stringify(found)}`)
        assertSites(found)
      })
    },
  }
}
