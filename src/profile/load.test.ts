import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, test} from 'vitest'

import {UsageError} from '../errors.js'
import {InvalidProfileError} from './errors.js'
import {loadProfile, profileFromText, requireSection, resolveArchitecture, resolveLocalPath} from './load.js'

const fixture = new URL('fixtures/valid.yaml', import.meta.url)
let root: string
let cwd: string
let home: string
let env: NodeJS.ProcessEnv

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fleet-load-'))
  cwd = join(root, 'project')
  home = join(root, 'fleet-home')
  await mkdir(join(cwd, 'profiles'), {recursive: true})
  await mkdir(join(home, 'profiles'), {recursive: true})
  env = {FLEET_HOME: home, HOME: join(root, 'user')}
})

afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

async function thrown(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UsageError)
  return error as UsageError
}

describe('loadProfile: lookup', () => {
  test('./profiles/NAME.yaml comes before $FLEET_HOME/profiles/NAME.yaml', async () => {
    await copyFile(fixture, join(home, 'profiles', 'fleet.yaml'))
    expect((await loadProfile('fleet', {cwd, env})).file).toBe(join(home, 'profiles', 'fleet.yaml'))
    await copyFile(fixture, join(cwd, 'profiles', 'fleet.yaml'))
    const profile = await loadProfile('fleet', {cwd, env})
    expect(profile.file).toBe(join(cwd, 'profiles', 'fleet.yaml'))
    expect(profile.name).toBe('fleet')
  })

  test('a value ending in .yaml or .yml is a path (from cwd) and names the profile by its stem', async () => {
    await mkdir(join(cwd, 'elsewhere'))
    await copyFile(fixture, join(cwd, 'elsewhere', 'story.yml'))
    const profile = await loadProfile('elsewhere/story.yml', {cwd, env})
    expect(profile.name).toBe('story')
    expect(profile.file).toBe(join(cwd, 'elsewhere', 'story.yml'))
  })

  test('a missing name says where it looked and suggests fleet init', async () => {
    const error = await thrown(loadProfile('staging', {cwd, env}))
    expect(error.code).toBe('ProfileNotFound')
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain(join(cwd, 'profiles', 'staging.yaml'))
    expect(error.message).toContain(join(home, 'profiles', 'staging.yaml'))
    expect(error.nextSteps.join(' ')).toContain('fleet init staging')
  })

  test('a missing path is named', async () => {
    const error = await thrown(loadProfile('nope/p.yaml', {cwd, env}))
    expect(error.code).toBe('ProfileNotFound')
    expect(error.message).toContain(join(cwd, 'nope', 'p.yaml'))
  })

  test('a name with a slash is neither a name nor a path', async () => {
    const error = await thrown(loadProfile('../etc/passwd', {cwd, env}))
    expect(error.code).toBe('BadProfileName')
  })

  test('an invalid profile on disk names its file', async () => {
    const file = join(cwd, 'profiles', 'bad.yaml')
    await writeFile(file, (await readFile(fixture, 'utf8')).replace('region: us-east-1', 'regoin: us-east-1'))
    const error = await thrown(loadProfile('bad', {cwd, env}))
    expect(error).toBeInstanceOf(InvalidProfileError)
    expect(error.message).toContain(`${file}:13:5: accounts.app-1.regoin: unknown key \`regoin\`; did you mean \`region\`?`)
  })
})

describe('loadProfile: resolution', () => {
  test('accounts come in file order with region, ssh key and defaults resolved', async () => {
    const folder = join(cwd, 'profiles')
    await copyFile(fixture, join(folder, 'p.yaml'))
    const profile = await loadProfile('p', {cwd, env})
    expect(profile.accounts.map((a) => [a.name, a.region])).toEqual([
      ['lb', 'ap-northeast-2'],
      ['app-1', 'us-east-1'],
      ['app-2', 'ap-northeast-2'],
    ])
    // Relative to the profile's folder; `~` is the home folder.
    expect(profile.account('lb').ssh).toEqual({user: 'ec2-user', key: join(folder, 'keys', 'lb.pem')})
    expect(profile.account('app-2').ssh).toEqual({user: 'ec2-user', key: join(root, 'user', '.ssh', 'fleet.pem'), host: '127.0.0.2', port: 2222})
    expect(profile.account('app-1').ssh).toBeUndefined()
    // Host paths are left as written.
    expect(profile.data.nginx!.config).toBe('/home/ec2-user/nginx/nginx.conf')
    expect(profile.architectureIds).toEqual(['6', '4-1', 'small'])
  })

  test('the region falls back to AWS_REGION, then AWS_DEFAULT_REGION, else is an error', async () => {
    const text = (await readFile(fixture, 'utf8')).replace('region: ap-northeast-2\n', '')
    const where = {name: 'p', file: join(cwd, 'p.yaml')}
    const fromEnv = profileFromText(text, {...where, env: {AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2'}})
    expect(fromEnv.accounts.map((a) => a.region)).toEqual(['eu-west-1', 'us-east-1', 'eu-west-1'])
    expect(profileFromText(text, {...where, env: {AWS_DEFAULT_REGION: 'eu-west-2'}}).account('lb').region).toBe('eu-west-2')
    const error = await thrown(Promise.resolve().then(() => profileFromText(text, {...where, env: {}})))
    expect(error.code).toBe('NoRegion')
    expect(error.message).toContain('`lb`, `app-2`')
  })

  test('account() refuses an unknown name and suggests one', async () => {
    const profile = profileFromText(await readFile(fixture, 'utf8'), {name: 'p', file: '/x/p.yaml', env: {}})
    expect(() => profile.account('app1')).toThrowError(/no account `app1`; did you mean `app-1`\?/)
  })

  test('resolveLocalPath: absolute, relative, home', () => {
    expect(resolveLocalPath('/k.pem', '/profiles', {HOME: '/home/me'})).toBe('/k.pem')
    expect(resolveLocalPath('k.pem', '/profiles', {HOME: '/home/me'})).toBe('/profiles/k.pem')
    expect(resolveLocalPath('../k.pem', '/profiles', {HOME: '/home/me'})).toBe('/k.pem')
    expect(resolveLocalPath('~/.ssh/k', '/profiles', {HOME: '/home/me'})).toBe('/home/me/.ssh/k')
    expect(resolveLocalPath('~', '/profiles', {HOME: '/home/me'})).toBe('/home/me')
  })
})

describe('sections and architectures', () => {
  const minimal = `hub: {}\naccounts:\n  a: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/R", instance: {id: i-0123456789abcdef0}}\n`
  const bare = () => profileFromText(minimal, {name: 'bare', file: '/x/bare.yaml', env: {AWS_REGION: 'us-east-1'}})
  const full = async () => profileFromText(await readFile(fixture, 'utf8'), {name: 'p', file: '/x/p.yaml', env: {}})

  test('requireSection names the section and the command that needs it', async () => {
    expect(() => requireSection(bare(), 'nginx', 'fleet upstream sync')).toThrowError(
      'Profile `bare` has no `nginx` section, which `fleet upstream sync` needs.',
    )
    expect(requireSection(await full(), 'nginx', 'fleet upstream sync').upstream).toBe('backend')
  })

  test('resolveArchitecture: --arch wins over the state', async () => {
    const profile = await full()
    expect(resolveArchitecture(profile, '4-1', '6')).toMatchObject({id: '4-1', from: 'flag'})
    expect(resolveArchitecture(profile, undefined, '6')).toMatchObject({id: '6', from: 'state'})
  })

  test('resolveArchitecture: nothing applied and no --arch says to pass --arch', async () => {
    let error: UsageError | undefined
    try {
      resolveArchitecture(await full(), undefined, null)
    } catch (e) {
      error = e as UsageError
    }
    expect(error?.code).toBe('NoArchitecture')
    expect(error?.exitCode).toBe(2)
    expect(error?.message).toContain('pass --arch ID: one of 6, 4-1, small')
  })

  test('resolveArchitecture: an unknown id lists the known ones', async () => {
    const profile = await full()
    expect(() => resolveArchitecture(profile, '7', null)).toThrowError('There is no architecture `7` in profile `p`. Known: 6, 4-1, small.')
    expect(() => resolveArchitecture(profile, 'constructor', null)).toThrowError(/no architecture `constructor`/)
    expect(() => resolveArchitecture(profile, undefined, 'gone')).toThrowError(/last applied \(`gone`\) is no longer in/)
    expect(() => resolveArchitecture(bare(), '6', null)).toThrowError(/no `architectures` section/)
  })
})

describe('loadProfile: files that are not a profile', () => {
  test('a YAML alias bomb is a located usage error, not a bug or a hang', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 9; i++) lines.push(`${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9).fill(`*${'abcdefghij'[i - 1]}`).join(', ')}]`)
    const file = join(root, 'bomb.yaml')
    await writeFile(file, lines.join('\n') + '\n')
    const error = await thrown(loadProfile(file, {cwd, env}))
    expect(error).toBeInstanceOf(InvalidProfileError)
    expect(error.message).toContain(`${file}:2:8: YAML syntax: too many alias expansions`)
  })

  test('a file name that makes no profile name (`...yaml` would make `..`) is refused', async () => {
    const file = join(root, '...yaml')
    await copyFile(fixture, file)
    expect((await thrown(loadProfile(file, {cwd, env}))).code).toBe('BadProfileName')
  })

  test('a UTF-16 or latin1 file is said to be not UTF-8, with the line of the first bad byte', async () => {
    const utf16 = join(root, 'utf16.yaml')
    await writeFile(utf16, Buffer.from('\ufeffregion: us-east-1\n', 'utf16le'))
    expect(await thrown(loadProfile(utf16, {cwd, env}))).toMatchObject({code: 'ProfileNotUtf8', message: `${utf16}:1: the profile is not UTF-8 (it looks like UTF-16).`})
    const latin = join(root, 'latin.yaml')
    await writeFile(latin, Buffer.concat([Buffer.from('region: us-east-1\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]))
    expect(await thrown(loadProfile(latin, {cwd, env}))).toMatchObject({code: 'ProfileNotUtf8', message: `${latin}:2: the profile is not UTF-8.`})
  })
})

describe('unknown architectures', () => {
  test('are worded the same by every path that meets one', async () => {
    const profile = profileFromText(await readFile(fixture, 'utf8'), {name: 'p', file: '/x/p.yaml', env})
    const {architectureView} = await import('./architecture.js')
    const fromView = (() => {
      try {
        architectureView(profile, 'nope')
      } catch (error) {
        return error as UsageError
      }
    })()
    const fromFlag = (() => {
      try {
        resolveArchitecture(profile, 'nope', null)
      } catch (error) {
        return error as UsageError
      }
    })()
    expect(fromView?.message).toBe(fromFlag?.message)
    expect(fromView?.nextSteps).toEqual(fromFlag?.nextSteps)
  })
})
