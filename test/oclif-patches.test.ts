/**
 * The start-up patches of @oclif/core (scripts/oclif-patches.js) cannot
 * change behaviour silently on an upgrade: @oclif/core is pinned, and a
 * patch that rewrites fewer sites than it did on the reviewed version fails
 * the build.
 */
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

// @ts-expect-error: a plain ES module of the build, without types.
import {assertSites, EXPECTED_SITES, hostImports, lazyRequires, replaceExact} from '../scripts/oclif-patches.js'

describe('oclif patches', () => {
  it('pin @oclif/core to the exact version they were reviewed on', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    expect(pkg.dependencies['@oclif/core']).toMatch(/^\d+\.\d+\.\d+$/)
    const installed = JSON.parse(readFileSync(new URL('../node_modules/@oclif/core/package.json', import.meta.url), 'utf8'))
    expect(installed.version).toBe(pkg.dependencies['@oclif/core'])
  })

  it('count the sites they rewrite, and fail below the reviewed counts', () => {
    const lazy = {count: 0}
    lazyRequires('const a = require("a");\nconst b = __importDefault(require("b"));\n', lazy)
    expect(lazy.count).toBe(2)
    const imports = {count: 0}
    expect(hostImports('await import(x); await import("literal")', imports)).toBe('await __fleetImport(x); await import("literal")')
    expect(imports.count).toBe(1)
    expect(() => assertSites(EXPECTED_SITES)).not.toThrow()
    expect(() => assertSites({...EXPECTED_SITES, lazyRequires: EXPECTED_SITES.lazyRequires - 1})).toThrow(/lazyRequires patch rewrote .* fewer than/)
    expect(() => assertSites({lazyRequires: EXPECTED_SITES.lazyRequires})).toThrow(/computedImports/)
  })

  it('serve core plugins from the build\'s snapshot (patch 7) in the pinned config/plugin.js', () => {
    const source = readFileSync(new URL('../node_modules/@oclif/core/lib/config/plugin.js', import.meta.url), 'utf8')
    const patched = replaceExact('config/plugin.js', source) as string
    expect(patched).toContain('__fleetCorePlugin(this)?.root ?? (await (0, find_root_1.findRoot)(this.options.name, this.options.root))')
    expect(patched).toContain('this.pjson = this.options.pjson ?? __fleetCorePlugin(this)?.pjson ??')
    expect(patched).toContain('this.manifest = __fleetCoreManifest(this) ?? (await this._manifest());')
    expect(patched).toContain('function __fleetCorePlugin(plugin)')
  })

  it('match plugin names without glob syntax as strings, and globs with minimatch (patch 8)', () => {
    const source = readFileSync(new URL('../node_modules/@oclif/core/lib/config/plugin-loader.js', import.meta.url), 'utf8')
    const patched = replaceExact('config/plugin-loader.js', source) as string
    expect(patched).toContain('patterns.some((w) => (__fleetIsGlob(w) ? (0, minimatch_1.minimatch)(p, w) : p === w))')
    const isGlob = new Function(`${patched.slice(patched.indexOf('function __fleetIsGlob'))}; return __fleetIsGlob`)() as (p: string) => boolean
    expect(['@oclif/plugin-autocomplete', 'plain-name'].map(isGlob)).toEqual([false, false])
    expect(['@oclif/plugin-*', 'plugin-?', '!x', 'a{b,c}', '@(a|b)', '+(a)', '[ab]'].map(isGlob)).toEqual([true, true, true, true, true, true, true])
  })

  it('refuse an exact replacement whose pattern is gone', () => {
    expect(() => replaceExact('index.js', 'nothing to see')).toThrow(/no longer contains/)
  })
})
