import {execFile} from 'node:child_process'
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {TIMEOUT_EXIT_CODES, withRemoteTimeout, withSudo} from './command-line.js'

const run = promisify(execFile)
let bin: string
let sudoLog: string

// A stand-in `sudo` that records its arguments and runs the rest, so the
// command line is checked by a real shell without root or a sudoers file.
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'fleet-fake-sudo-'))
  sudoLog = join(bin, 'sudo.log')
  await writeFile(join(bin, 'sudo'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${sudoLog}\n[ "$1" = -n ] && shift\n[ "$1" = -- ] && shift\nexec "$@"\n`)
  await chmod(join(bin, 'sudo'), 0o755)
})

afterAll(async () => {
  await rm(bin, {recursive: true, force: true})
})

async function sh(line: string): Promise<{stdout: string; code: number}> {
  try {
    const {stdout} = await run('sh', ['-c', line], {env: {...process.env, PATH: `${bin}:${process.env.PATH}`}})
    return {stdout, code: 0}
  } catch (error) {
    const {stdout, code} = error as {stdout: string; code: number}
    return {stdout, code}
  }
}

describe('withSudo', () => {
  test('runs the whole command line under sudo -n, quoting intact', async () => {
    const command = `echo "it's" '$HOME' && echo second`
    const result = await sh(withSudo(command, 'ec2-user', true))
    expect(result.stdout).toBe("it's $HOME\nsecond\n")
    expect((await readFile(sudoLog, 'utf8')).split('\n').slice(0, 4)).toEqual(['-n', '--', 'sh', '-c'])
  })

  test('a root login or sudo: false leaves the command as it is', () => {
    expect(withSudo('nginx -t', 'root', true)).toBe('nginx -t')
    expect(withSudo('nginx -t', 'ec2-user', false)).toBe('nginx -t')
  })
})

describe('withRemoteTimeout', () => {
  test('ends a command that runs too long with a timeout exit code', async () => {
    const started = Date.now()
    const result = await sh(withRemoteTimeout('echo start; sleep 20; echo never', 300))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(result.stdout).toBe('start\n')
    expect(TIMEOUT_EXIT_CODES.has(result.code)).toBe(true)
  })

  test('passes a quick command through with its own exit code', async () => {
    expect(await sh(withRemoteTimeout(`printf '%s' "a'b"; exit 5`, 5000))).toEqual({stdout: "a'b", code: 5})
  })

  test('composes with sudo', async () => {
    expect((await sh(withSudo(withRemoteTimeout("echo 'x y'", 5000), 'ec2-user', true))).stdout).toBe('x y\n')
  })
})
