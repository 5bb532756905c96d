import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {UsageError} from '../errors.js'
import {initProfile} from './init.js'
import {loadProfile} from './load.js'

let root: string
let env: NodeJS.ProcessEnv

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fleet-init-'))
  env = {FLEET_HOME: join(root, 'home')}
})

afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

describe('initProfile', () => {
  test('writes a starter profile under $FLEET_HOME that loads cleanly', async () => {
    const result = await initProfile('parking', {cwd: root, env})
    const file = join(root, 'home', 'profiles', 'parking.yaml')
    expect(result).toEqual({profile: 'parking', file, created: true, overwritten: false, shadowedBy: null})
    const text = await readFile(file, 'utf8')
    expect(text).toContain('fleet profile `parking`')
    expect(text).toMatch(/^# yaml-language-server: \$schema=\/.*profiles\/schema\.json$/m)
    const profile = await loadProfile('parking', {cwd: root, env})
    expect(profile.accounts.map((a) => a.name)).toEqual(['lb', 'app-1'])
    expect(profile.architectureIds).toEqual(['small'])
  })

  test('refuses to overwrite without force, and keeps the file', async () => {
    const file = join(root, 'home', 'profiles', 'parking.yaml')
    await mkdir(join(root, 'home', 'profiles'), {recursive: true})
    await writeFile(file, 'mine\n')
    const error = await initProfile('parking', {cwd: root, env}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).code).toBe('ProfileExists')
    expect((error as UsageError).message).toContain(file)
    expect((error as UsageError).nextSteps.join(' ')).toContain('--force')
    expect(await readFile(file, 'utf8')).toBe('mine\n')

    const forced = await initProfile('parking', {cwd: root, env, force: true})
    expect(forced.overwritten).toBe(true)
    expect(await readFile(file, 'utf8')).toContain('fleet profile `parking`')
  })

  test('a path ending in .yaml is written there, folders created', async () => {
    const result = await initProfile('deep/er/lab.yml', {cwd: root, env})
    expect(result.file).toBe(join(root, 'deep', 'er', 'lab.yml'))
    expect(result.profile).toBe('lab')
    await expect(loadProfile('deep/er/lab.yml', {cwd: root, env})).resolves.toMatchObject({name: 'lab'})
  })

  test('reports a ./profiles file that would be found first', async () => {
    await mkdir(join(root, 'profiles'))
    await writeFile(join(root, 'profiles', 'parking.yaml'), 'x: 1\n')
    const result = await initProfile('parking', {cwd: root, env})
    expect(result.shadowedBy).toBe(join(root, 'profiles', 'parking.yaml'))
  })
})
