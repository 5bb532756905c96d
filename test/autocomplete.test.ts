/**
 * Shell completion with @oclif/plugin-autocomplete, through the built CLI:
 * bash completes fleet's commands, topics and flags (from the manifest, so a
 * new command completes without a change here), and the plugin costs
 * `fleet --help` nothing: its snapshot is in the oclif bundle (patch 7 of
 * scripts/oclif-patches.js), so help reads none of its files.
 */
import {execFile} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {beforeAll, describe, expect, test} from 'vitest'

import {runFleet, tempDir} from './harness/moto.ts'

const REPO = fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '')
const BIN = join(REPO, 'bin', 'run.js')

let root: string
let env: NodeJS.ProcessEnv

const manifestIds = () =>
  Object.values((JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {id: string; hidden?: boolean}>}).commands)
    .filter((c) => !c.hidden)
    .map((c) => c.id)

function run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(command, args, {cwd: root, env: {...env, ...extraEnv}, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr})
    })
  })
}

beforeAll(() => {
  root = tempDir('fleet-autocomplete-')
  const home = join(root, 'home')
  mkdirSync(home)
  env = {PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share'), FLEET_HOME: join(root, 'fleet'), NO_COLOR: '1'}
})

describe('fleet autocomplete', () => {
  test("bash completes fleet's commands, topics and flags from the manifest", async () => {
    const fleet = (args: string[]) => runFleet(args, {env, cwd: root})
    const setup = await fleet(['autocomplete', 'bash'])
    expect(setup.exitCode, setup.stderr).toBe(0)
    expect(setup.stdout).toContain('fleet autocomplete script bash')
    const script = await fleet(['autocomplete', 'script', 'bash'])
    expect(script.stdout).toMatch(/FLEET_AC_BASH_SETUP_PATH=.*bash_setup/)
    // What a shell does on <TAB>: source the setup line, then ask the completion function.
    const complete = async (words: string[]) => {
      const line = words.join(' ')
      const program = `${script.stdout.trim()}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; COMP_LINE="${line}"; _fleet_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
      // The plugin lists a topic once per command under it; the shell shows each once.
      return [...new Set((await run('bash', ['-c', program])).stdout.split('\n').filter(Boolean))].sort()
    }
    const ids = manifestIds()
    const firstWords = [...new Set(ids.map((id) => id.split(':')[0]!))].sort()
    expect(await complete(['fleet', ''])).toEqual([...firstWords, 'autocomplete'].sort())
    expect(await complete(['fleet', 'up', '--a'])).toEqual(['--accept-new-host-key', '--allow-paid', '--arch'])
    expect(await complete(['fleet', 'upstream', 'sync', '--dr'])).toEqual(['--dry-run'])
  })

  test("`fleet --help` lists it without reading any of the plugin's files", async () => {
    const out = join(root, 'read.json')
    const preload = join(root, 'record-reads.mjs')
    writeFileSync(
      preload,
      [
        "import fs from 'node:fs'",
        "import promises from 'node:fs/promises'",
        'const read = []',
        "for (const [target, name] of [[fs, 'readFileSync'], [fs, 'readFile'], [promises, 'readFile']]) {",
        '  const original = target[name]',
        '  target[name] = function (file, ...rest) { read.push(String(file)); return original.call(this, file, ...rest) }',
        '}',
        "process.on('exit', () => fs.writeFileSync(process.env.FLEET_TEST_READ, JSON.stringify(read)))",
      ].join('\n'),
    )
    const result = await run(process.execPath, ['--import', pathToFileURL(preload).href, BIN, '--help'], {FLEET_TEST_READ: out})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^ {2}autocomplete +Display autocomplete installation instructions\./m)
    const read = JSON.parse(readFileSync(out, 'utf8')) as string[]
    expect(read.some((file) => file.endsWith('oclif.manifest.json')), 'the recorder sees oclif read the root manifest').toBe(true)
    expect(read.filter((file) => file.includes('plugin-autocomplete'))).toEqual([])
  })
})
