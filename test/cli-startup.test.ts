/**
 * The built CLI's start-up (spec section 8): help comes from the committed
 * oclif.manifest.json without loading command code or AWS clients, a command
 * loads only the clients it uses, and the bundle (scripts/build.js,
 * scripts/oclif-patches.js, bin/load-oclif.js) prints oclif's help byte for
 * byte as unbundled @oclif/core does. Timing is the bench's job (`npm run
 * bench`), never a test's.
 */
import {execFile} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {runFleet} from './harness/cli.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '')
const BIN = join(REPO, 'bin', 'run.js')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

interface Manifest {
  version: string
  commands: Record<string, {id: string; hidden?: boolean}>
}

let root: string
let env: NodeJS.ProcessEnv
let manifest: Manifest

function run(command: string, args: string[], options: {cwd?: string; extraEnv?: NodeJS.ProcessEnv} = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, {cwd: options.cwd ?? root, env: {...env, ...options.extraEnv}, timeout: 60_000}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({code, stdout, stderr})
    })
  })
}

const fleet = async (args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<Run> => {
  const out = await runFleet(args, {env: {...env, ...extraEnv}, cwd: root})
  return {code: out.exitCode, stdout: out.stdout, stderr: out.stderr}
}

/** Runs `fn` over `items`, `limit` at a time (each item spawns node). */
async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index] as T)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}

/** Every command file under commands/, as an oclif id (`upstream:sync`): a new command is covered as soon as its file exists. */
function commandFileIds(): string[] {
  return readdirSync(join(REPO, 'commands'), {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length).split(/[\\/]/).join(':'))
    .sort()
}

/** `arch:list` as typed: `arch list`. */
const words = (id: string) => id.split(':')

const visibleIds = () =>
  Object.values(manifest.commands)
    .filter((c) => !c.hidden)
    .map((c) => c.id)
    .sort()

const topics = () => [...new Set(visibleIds().filter((id) => id.includes(':')).map((id) => words(id)[0] as string))].sort()

beforeAll(() => {
  if (!existsSync(join(REPO, 'dist', 'oclif.cjs')) || !existsSync(join(REPO, 'dist', 'commands'))) {
    throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does)')
  }
  root = mkdtempSync(join(tmpdir(), 'fleet-cli-startup-'))
  const home = join(root, 'home')
  mkdirSync(home)
  // A clean environment: no AWS variables, its own HOME, cache and FLEET_HOME.
  env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    FLEET_HOME: join(root, 'fleet-home'),
    NO_COLOR: '1',
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as Manifest
})

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('oclif.manifest.json', () => {
  test('is what `oclif manifest` writes for the current build', async () => {
    // A copy of the package, so that the repository's manifest stays as it is.
    const copy = join(root, 'package-copy')
    mkdirSync(copy)
    cpSync(join(REPO, 'package.json'), join(copy, 'package.json'))
    cpSync(join(REPO, 'bin'), join(copy, 'bin'), {recursive: true})
    cpSync(join(REPO, 'dist'), join(copy, 'dist'), {recursive: true})
    symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir')

    const oclif = join(REPO, 'node_modules', 'oclif', 'bin', 'run.js')
    const generated = await run(process.execPath, [oclif, 'manifest', copy], {cwd: copy})
    expect(generated.code, generated.stderr).toBe(0)

    const fresh = JSON.parse(readFileSync(join(copy, 'oclif.manifest.json'), 'utf8')) as Manifest
    expect(manifest, 'oclif.manifest.json is stale: run `npm run manifest` and commit it').toEqual(fresh)
  })

  test('has a command for every file in commands/', () => {
    expect(Object.keys(manifest.commands).sort()).toEqual(commandFileIds())
  })
})

describe('fleet --help', () => {
  test('lists every command: top-level ones at the root, the others under their topic', async () => {
    const rootHelp = await fleet(['--help'])
    expect(rootHelp.code, rootHelp.stderr).toBe(0)
    const section = (text: string, name: string) => text.split(`\n${name}\n`)[1]?.split(/\n[A-Z][A-Z ]+\n/)[0] ?? ''

    for (const id of visibleIds().filter((id) => !id.includes(':'))) {
      expect(section(rootHelp.stdout, 'COMMANDS')).toMatch(new RegExp(`^  ${id} `, 'm'))
    }
    for (const topic of topics()) {
      expect(section(rootHelp.stdout, 'TOPICS')).toMatch(new RegExp(`^  ${topic} `, 'm'))
    }
    const topicHelps = await eachLimited(topics(), 4, (topic) => fleet([topic, '--help']))
    topics().forEach((topic, i) => {
      const help = topicHelps[i] as Run
      expect(help.code, help.stderr).toBe(0)
      for (const id of visibleIds().filter((id) => words(id)[0] === topic)) {
        expect(section(help.stdout, 'COMMANDS')).toContain(words(id).join(' '))
      }
    })
  })

  test("every command in commands/ has EXAMPLES in its help, and the GLOBAL flags --json, --profile, --concurrency", async () => {
    const ids = commandFileIds()
    const helps = await eachLimited(ids, 4, (id) => fleet([...words(id), '--help']))
    ids.forEach((id, i) => {
      const help = helps[i] as Run
      expect(help.code, `${id}: ${help.stderr}`).toBe(0)
      const examples = help.stdout.split('\nEXAMPLES\n')[1]?.split(/\n[A-Z][A-Z ]+\n/)[0]
      expect(examples, `${id} has no EXAMPLES`).toMatch(/^ +\$ fleet /m)
      const global = help.stdout.split('\nGLOBAL FLAGS\n')[1]?.split(/\n[A-Z][A-Z ]+\n/)[0]
      expect(global, `${id} has no GLOBAL FLAGS`).toBeDefined()
      for (const flag of ['--json', '--profile', '--concurrency']) expect(global, `${id} ${flag}`).toContain(flag)
    })
  })

  test('prints what unbundled @oclif/core prints, for the root, each topic and each command', async () => {
    // The original bin/run.js: oclif from node_modules, commands found through the manifest.
    const core = pathToFileURL(join(REPO, 'node_modules', '@oclif', 'core', 'lib', 'index.js')).href
    const script = [
      `const {execute} = await import(${JSON.stringify(core)})`,
      `await execute({dir: ${JSON.stringify(pathToFileURL(BIN).href)}, args: process.argv.slice(1)})`,
    ].join('\n')
    const unbundled = (args: string[]) => run(process.execPath, ['--input-type=module', '-e', script, '--', ...args])

    const cases = [[], ...topics().map((t) => [t]), ...visibleIds().map(words)].map((args) => [...args, '--help'])
    const results = await eachLimited(cases, 3, async (args) => ({args, bundled: await fleet(args), plain: await unbundled(args)}))
    for (const {args, bundled, plain} of results) {
      expect(plain.code, plain.stderr).toBe(0)
      expect({args, ...bundled}).toEqual({args, ...plain})
    }
  })
})

describe("oclif's code cache (bin/load-oclif.js)", () => {
  const hash = () => readFileSync(join(REPO, 'dist', 'oclif.cjs'), 'utf8').match(/^\/\/ fleet-bundle-sha256: ([0-9a-f]{64})\n/)?.[1]

  test('is written by a first run, used by the next, and a corrupt or old one changes nothing', async () => {
    expect(hash(), 'dist/oclif.cjs has no hash line').toBeDefined()
    const cacheHome = join(root, 'cache-home')
    const dir = join(cacheHome, 'fleet')
    const expected = (await fleet(['--help'], {NODE_DISABLE_COMPILE_CACHE: '1', XDG_CACHE_HOME: cacheHome})).stdout
    expect(existsSync(dir), 'NODE_DISABLE_COMPILE_CACHE=1 writes no cache').toBe(false)

    const first = await fleet(['--help'], {XDG_CACHE_HOME: cacheHome})
    expect(first.stdout).toBe(expected)
    const {statSync} = await import('node:fs')
    const [name, ...others] = readdirSync(dir)
    expect(others).toEqual([])
    expect(name).toBe(`oclif-${hash()!.slice(0, 32)}-${process.version}-${process.arch}-help.v8`)
    const cache = join(dir, name as string)
    const written = statSync(cache).mtimeMs

    // Accepted: not written again.
    const second = await fleet(['--help'], {XDG_CACHE_HOME: cacheHome})
    expect(second.stdout).toBe(expected)
    expect(statSync(cache).mtimeMs).toBe(written)

    // Rejected (garbage): the run is as good, the cache is written anew, an old build's is removed.
    writeFileSync(cache, 'not a V8 code cache')
    const old = join(dir, `oclif-${'0'.repeat(32)}-${process.version}-${process.arch}-help.v8`)
    writeFileSync(old, 'an older bundle')
    const third = await fleet(['--help'], {XDG_CACHE_HOME: cacheHome})
    expect(third).toEqual({...first, stdout: expected})
    expect(readFileSync(cache).length).toBeGreaterThan(1000)
    expect(existsSync(old)).toBe(false)
  })
})

describe('what a run loads', () => {
  /**
   * The modules a run resolves (a registerHooks preload, which sees require
   * and import alike), as original sources: a file of dist/ stands for the
   * sources its source map lists.
   */
  async function loadedSources(args: string[]): Promise<{files: string[]; sources: string[]; run: Run}> {
    const out = join(root, `loaded-${Math.random().toString(36).slice(2)}.json`)
    const preload = join(root, 'record-loads.mjs')
    writeFileSync(
      preload,
      [
        "import {registerHooks} from 'node:module'",
        "import {writeFileSync} from 'node:fs'",
        'const seen = new Set()',
        'registerHooks({resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r }})',
        "process.on('exit', () => writeFileSync(process.env.FLEET_TEST_LOADED, JSON.stringify([...seen])))",
      ].join('\n'),
    )
    const result = await run(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
      extraEnv: {FLEET_TEST_LOADED: out},
    })
    const urls = JSON.parse(readFileSync(out, 'utf8')) as string[]
    const files = urls.filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url))
    const sources: string[] = []
    for (const file of files) {
      const map = `${file}.map`
      if (file.startsWith(join(REPO, 'dist')) && existsSync(map)) {
        sources.push(...(JSON.parse(readFileSync(map, 'utf8')) as {sources: string[]}).sources)
      } else sources.push(file)
    }
    return {files, sources, run: result}
  }

  const dist = (files: string[]) => files.filter((file) => file.startsWith(join(REPO, 'dist'))).map((file) => relative(REPO, file))

  test('`fleet --help` loads no command and no AWS SDK module', async () => {
    const {files, sources, run: result} = await loadedSources(['--help'])
    expect(result.code, result.stderr).toBe(0)
    expect(files).toContain(join(REPO, 'bin', 'load-oclif.js')) // the recorder works
    expect(dist(files)).toEqual([])
    expect(sources.filter((s) => s.includes('@aws-sdk'))).toEqual([])
  })

  test('`fleet status --help` loads no command and no AWS SDK module', async () => {
    const {files, sources, run: result} = await loadedSources(['status', '--help'])
    expect(result.code, result.stderr).toBe(0)
    expect(dist(files)).toEqual([])
    expect(sources.filter((s) => s.includes('@aws-sdk'))).toEqual([])
  })

  test('commands that never call AWS load no AWS SDK module (init, arch list)', async () => {
    const init = await loadedSources(['init'])
    expect(init.run.code, init.run.stderr).toBe(0)
    expect(dist(init.files)).toContain('dist/commands/init.js') // the command did load
    expect(init.sources.filter((s) => s.includes('@aws-sdk'))).toEqual([])

    const list = await loadedSources(['arch', 'list'])
    expect(list.run.code, list.run.stderr).toBe(0)
    expect(dist(list.files)).toContain('dist/commands/arch/list.js')
    expect(list.sources.filter((s) => s.includes('@aws-sdk'))).toEqual([])
  })
})
