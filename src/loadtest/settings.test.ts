import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {UsageError} from '../errors.js'
import {profileFromText} from '../profile/load.js'
import {loadtestSettings, parseUsers, targetLabel, targetLine, targetOf, targetUrl} from './settings.js'

const exampleText = readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8')
const example = profileFromText(exampleText, {name: 'example', file: '/x/example.yaml', env: {}})
/** The example with its commented `loadtest:` section switched on. */
const withSection = profileFromText(exampleText.replace(/^# loadtest:\n((?:#  .*\n)+)/m, (_all, body: string) => `loadtest:\n${body.replaceAll(/^#/gm, '')}`), {name: 'example', file: '/x/example.yaml', env: {}})

const usage = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('no UsageError')
}

describe('loadtestSettings: flags, then the profile\'s loadtest section, then the defaults', () => {
  test('Given no flags and no section, Then every architecture in file order, 100/500/1000 users, 1 s think, 60 s steps after 10 s of warm-up, the LB\'s IP', () => {
    expect(loadtestSettings(example, {}, {})).toEqual({
      archs: ['1', '2', '3', '4-1', '4-2', '5', '6'],
      users: [100, 500, 1000],
      thinkMs: 1000,
      durationMs: 60_000,
      warmupMs: 10_000,
      engine: 'autocannon',
      target: {kind: 'lb-ip', path: '/'},
      address: {account: 'lb', kind: 'public'},
      down: false,
    })
  })

  test('Given the example\'s section, Then its url, users, think and duration; flags win over it', () => {
    expect(withSection.data.loadtest).toEqual({url: 'https://parking.example.com/', address: 'public', users: [500, 1000, 2000, 3000], think: '1s', duration: '60s'})
    expect(loadtestSettings(withSection, {}, {})).toMatchObject({users: [500, 1000, 2000, 3000], thinkMs: 1000, durationMs: 60_000, target: {kind: 'url', url: 'https://parking.example.com/'}})
    const flagged = loadtestSettings(withSection, {users: '50,10', think: '0', duration: '90s', warmup: '0', path: '/parking/slots?day=1', engine: 'artillery', down: true, arch: ['6', '3', '6']}, {})
    expect(flagged).toEqual({
      archs: ['6', '3'],
      users: [10, 50],
      thinkMs: 0,
      durationMs: 90_000,
      warmupMs: 0,
      engine: 'artillery',
      target: {kind: 'url', url: 'https://parking.example.com/parking/slots?day=1'},
      address: {account: 'lb', kind: 'public'},
      down: true,
    })
  })

  test('Bad values are usage errors naming the flag or the profile key', () => {
    expect(usage(() => loadtestSettings(example, {arch: ['7']}, {}))).toBe('There is no architecture `7` in profile `example`. Known: 1, 2, 3, 4-1, 4-2, 5, 6.')
    expect(usage(() => loadtestSettings(example, {duration: '0'}, {}))).toBe('--duration must be more than zero, not "0".')
    expect(usage(() => loadtestSettings(example, {duration: '2h'}, {}))).toBe('--duration 2h is more than the 1h fleet allows: at most 1h.')
    expect(usage(() => loadtestSettings(example, {think: 'soon'}, {}))).toBe('--think "soon" is not a duration such as 90s, 10m, 3h or 2h30m.')
    expect(usage(() => loadtestSettings(example, {path: 'slots'}, {}))).toBe('--path "slots" must start with /.')
    const zero = profileFromText(exampleText.replace('cost:\n', 'loadtest: {duration: 0}\ncost:\n'), {name: 'z', file: '/x/z.yaml', env: {}})
    expect(usage(() => loadtestSettings(zero, {}, {}))).toBe('loadtest.duration in /x/z.yaml must be more than zero, not "0".')
  })

  test('Against an AWS emulator the LB\'s public IP is no real host: the load goes only to its private IP, whatever loadtest.url names', () => {
    const emulator = {AWS_ENDPOINT_URL: 'http://127.0.0.1:5000'}
    expect(usage(() => loadtestSettings(example, {}, emulator))).toMatch(/^AWS_ENDPOINT_URL is set \(an AWS emulator\): the LB's public IP/)
    expect(usage(() => loadtestSettings(withSection, {}, emulator))).toMatch(/^AWS_ENDPOINT_URL is set .*the load always goes to the LB's own address, whatever loadtest.url names/)
    const privately = profileFromText(exampleText.replace('cost:\n', 'loadtest: {url: "https://parking.example.com/", address: private}\ncost:\n'), {name: 'p', file: '/x/p.yaml', env: {}})
    expect(loadtestSettings(privately, {}, emulator)).toMatchObject({target: {kind: 'url', url: 'https://parking.example.com/'}, address: {account: 'lb', kind: 'private'}})
  })

  test('--engine artillery is refused with an https URL naming an IP address: it would check the certificate against the LB\'s address instead', () => {
    const byIp = profileFromText(exampleText.replace('cost:\n', 'loadtest: {url: "https://3.35.0.1/"}\ncost:\n'), {name: 'ip', file: '/x/ip.yaml', env: {}})
    expect(usage(() => loadtestSettings(byIp, {engine: 'artillery'}, {}))).toBe('--engine artillery cannot check the certificate of https://3.35.0.1/ against 3.35.0.1 while it connects to the LB\'s own address.')
    expect(loadtestSettings(byIp, {}, {}).engine).toBe('autocannon')
  })
})

describe('user levels and the target', () => {
  test('parseUsers: ascending, repeats dropped, spaces allowed; anything else refused', () => {
    expect(parseUsers('1000, 100,500,100')).toEqual([100, 500, 1000])
    for (const bad of ['', '0', '10,abc', '1.5', '-3', '100001']) expect(() => parseUsers(bad), bad).toThrow(/expected user levels such as 100,500,1000/)
  })

  test('the LB\'s IP is read after each start; a URL is used as written unless --path replaces its path', () => {
    const lb = targetOf(undefined, '/health')
    expect(targetUrl(lb, '3.35.0.1')).toBe('http://3.35.0.1/health')
    expect(targetUrl(lb, null)).toBeNull()
    expect(targetLabel(lb, {account: 'lb', kind: 'public'})).toBe('http://<lb\'s public IP>/health')
    expect(targetLine(lb, {account: 'lb', kind: 'private'}, null)).toBe('http://<lb\'s private IP>/health (read after up; DNS not used)')
    expect(targetLine(lb, {account: 'lb', kind: 'public'}, '3.35.0.1:80')).toBe('http://3.35.0.1/health → 3.35.0.1:80 (lb\'s public IP; DNS not used)')
    const url = targetOf('https://parking.example.com/', undefined)
    expect(targetLine(url, {account: 'lb', kind: 'public'}, '54.180.12.7:443')).toBe('https://parking.example.com/ → 54.180.12.7:443 (lb\'s public IP; DNS not used)')
    expect(targetLine(url, {account: 'lb', kind: 'public'}, null)).toBe('https://parking.example.com/ → lb\'s public IP:443 (read after up; DNS not used)')
    expect(targetOf('https://parking.example.com/app/?x=1', undefined)).toEqual({kind: 'url', url: 'https://parking.example.com/app/?x=1'})
    expect(targetOf('https://parking.example.com:8443/app/', '/slots')).toEqual({kind: 'url', url: 'https://parking.example.com:8443/slots'})
  })
})

describe('the profile schema\'s loadtest section', () => {
  const base = 'hub: {source: env}\nregion: ap-northeast-2\naccounts:\n  lb: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/R", instance: {tag: {fleet: lb}}}\n'
  const problem = (section: string) => usage(() => profileFromText(`${base}${section}\n`, {name: 't', file: '/x/t.yaml', env: {}}))

  test('refuses what is not a level, a duration or an http(s) URL, with where it is', () => {
    expect(problem('loadtest: {users: [0]}')).toContain('/x/t.yaml:5:20: loadtest.users[0]: expected at least 1 user, got 0')
    expect(problem('loadtest: {think: soon}')).toContain('/x/t.yaml:5:19: loadtest.think: expected a duration such as 1s, 500ms or 1m30s, got "soon"')
    expect(problem('loadtest: {url: "ftp://x/"}')).toContain('loadtest.url: expected an http:// or https:// URL')
    expect(problem('loadtest: {rate: 5}')).toMatch(/loadtest.*rate/)
  })

  test('a bare number is seconds, as the flags take it; a profile without architectures has nothing to test', () => {
    const profile = profileFromText(`${base}loadtest: {think: 0, duration: 30}\n`, {name: 't', file: '/x/t.yaml', env: {}})
    expect(profile.data.loadtest).toEqual({think: '0', duration: '30'})
    expect(usage(() => loadtestSettings(profile, {}, {}))).toBe('Profile `t` has no architectures to load-test.')
    const withArch = profileFromText(`${base}loadtest: {think: 0, duration: 30}\narchitectures: {solo: {apps: [lb]}}\n`, {name: 't', file: '/x/t.yaml', env: {}})
    expect(loadtestSettings(withArch, {}, {})).toMatchObject({archs: ['solo'], thinkMs: 0, durationMs: 30_000})
  })
})
