import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {InvalidProfileError, type ProfileIssue} from './errors.js'
import {parseProfileText} from './validate.js'

const valid = readFileSync(new URL('fixtures/valid.yaml', import.meta.url), 'utf8')
const FILE = '/profiles/p.yaml'

/** The issues a profile text is refused with (fails the test if accepted). */
function problems(text: string): ProfileIssue[] {
  try {
    parseProfileText(text, FILE, 'p')
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidProfileError)
    const e = error as InvalidProfileError
    expect(e.exitCode).toBe(2)
    expect(e.code).toBe('InvalidProfile')
    return e.issues
  }
  throw new Error('the profile was accepted')
}

/** `valid` with one line replaced (1-based), to keep line numbers known. */
function withLine(line: number, replacement: string): string {
  const lines = valid.split('\n')
  lines[line - 1] = replacement
  return lines.join('\n')
}

describe('parseProfileText', () => {
  test('accepts a valid profile and fills in defaults', () => {
    const {data, accountOrder, architectureOrder} = parseProfileText(valid, FILE, 'p')
    expect(accountOrder).toEqual(['lb', 'app-1', 'app-2'])
    // JS objects put "6" before "4-1"; the file order is kept separately.
    expect(architectureOrder).toEqual(['6', '4-1', 'small'])
    expect(data.freeTypes).toEqual(['t2.micro', 't3.micro'])
    expect(data.accounts.lb!.freePlan).toBe('750-hours')
    expect(data.accounts['app-2']!.freePlan).toBe('credits')
    expect(data.accounts.lb!.ssh!.user).toBe('ec2-user')
    expect(data.accounts['app-1']!.instance).toEqual({id: 'i-0123456789abcdef0'})
    expect(data.nginx!.test).toBe('sudo nginx -t')
    expect(data.nginx!.address).toBe('public')
  })

  test('a typo in a key names file, line, column and the nearest valid key', () => {
    const issues = problems(withLine(13, '    regoin: us-east-1'))
    expect(issues).toEqual([
      {file: FILE, line: 13, col: 5, path: 'accounts.app-1.regoin', message: 'unknown key `regoin`; did you mean `region`?'},
    ])
  })

  test('a typo deep inside a flow map is pointed at exactly', () => {
    const issues = problems(withLine(8, '    instance: { tags: { fleet: lb } }'))
    expect(issues).toEqual([
      {file: FILE, line: 8, col: 17, path: 'accounts.lb.instance.tags', message: 'unknown key `tags`; did you mean `tag`?'},
    ])
  })

  test('a wrong type says what was expected and what was found', () => {
    const issues = problems(withLine(26, '  port: "8080"'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({line: 26, col: 9, path: 'apps.port'})
    expect(issues[0]!.message).toBe('expected a port number (1-65535), got "8080"')
  })

  test('an unquoted account id is explained', () => {
    const [issue] = problems(withLine(6, '    accountId: 111111111111'))
    expect(issue).toMatchObject({line: 6, col: 16, path: 'accounts.lb.accountId'})
    expect(issue!.message).toMatch(/in quotes.*got 111111111111/)
  })

  test('an out-of-range port in an architecture is found in a list', () => {
    const [issue] = problems(withLine(34, '    apps: [lb, { account: app-1, ports: [8080, 70000] }]'))
    expect(issue).toMatchObject({line: 34, col: 48, path: 'architectures.4-1.apps[1].ports[1]'})
    expect(issue!.message).toBe('expected a port number (1-65535), got 70000')
  })

  test('an architecture naming a missing account is refused, with a suggestion', () => {
    const [issue] = problems(withLine(30, '    apps: [app-1, app-3]'))
    expect(issue).toMatchObject({line: 30, col: 19, path: 'architectures.6.apps[1]'})
    expect(issue!.message).toBe('no account named `app-3`; did you mean `app-1`? (accounts: lb, app-1, app-2)')
  })

  test('nginx.on and rds.account must name accounts', () => {
    const text = withLine(22, '  on: lbb') + 'rds: {account: db, instance: parking-db, envFile: /e, public: "x", private: "{app-9.privateIp}"}\n'
    const issues = problems(text)
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ['nginx.on', 22],
      ['rds.account', 38],
      ['rds.private', 38],
    ])
    expect(issues[0]!.message).toContain('did you mean `lb`?')
  })

  test('duplicate account ids are refused at the second one', () => {
    const issues = problems(withLine(11, '    accountId: "111111111111"').replace('iam::222222222222', 'iam::111111111111'))
    expect(issues).toEqual([
      {
        file: FILE,
        line: 11,
        col: 16,
        path: 'accounts.app-1.accountId',
        message: 'account id 111111111111 is also the id of account `lb`: each AWS account is listed once',
      },
    ])
  })

  test("a role ARN in another account than accountId is refused", () => {
    const [issue] = problems(withLine(12, '    roleArn: arn:aws:iam::999999999999:role/FleetOperator'))
    expect(issue).toMatchObject({line: 12, col: 14, path: 'accounts.app-1.roleArn'})
    expect(issue!.message).toContain('the role is in account 999999999999, but accountId is 222222222222')
  })

  test('hub.source aws-profile needs awsProfile', () => {
    const [issue] = problems(withLine(3, '  source: aws-profile'))
    expect(issue).toMatchObject({line: 3, col: 11, path: 'hub.source'})
    expect(issue!.message).toContain('hub.awsProfile')
  })

  test('the LB may also be an app server (architecture 1 of the story)', () => {
    expect(() => parseProfileText(valid, FILE, 'p')).not.toThrow()
  })

  test('an app listed twice in one architecture is refused', () => {
    const [issue] = problems(withLine(30, '    apps: [app-1, app-1]'))
    expect(issue!.message).toContain('listed twice')
  })

  test('a missing required key points at its parent', () => {
    const issues = problems(withLine(12, ''))
    expect(issues).toEqual([{file: FILE, line: 10, col: 3, path: 'accounts.app-1.roleArn', message: 'required key is missing'}])
  })

  test('every problem is reported, in file order', () => {
    const text = withLine(3, '  source: sso').replace('    regoin', '').replace('port: 9090', 'port: 0').replace('rdsPublic: true', 'rdsPublic: yes')
    const issues = problems(text)
    expect(issues.map((i) => i.path)).toEqual(['hub.source', 'apps.port', 'architectures.6.rdsPublic'])
    expect(issues[0]!.message).toBe('expected one of "keychain", "aws-profile", "env", got "sso"')
    // YAML 1.2: `yes` is a string, not a boolean.
    expect(issues[2]!.message).toBe('expected true or false, got "yes"')
  })

  test('a YAML syntax error names line and column', () => {
    const issues = problems(withLine(29, '    apps: [app-1, app-2'))
    expect(issues[0]).toMatchObject({file: FILE, path: ''})
    expect(issues[0]!.line).toBeGreaterThanOrEqual(29)
    expect(issues[0]!.message).toMatch(/^YAML syntax: /)
  })

  test('a duplicate key is a YAML error', () => {
    const issues = problems(withLine(13, '    roleArn: arn:aws:iam::222222222222:role/Other'))
    expect(issues[0]).toMatchObject({line: 13, col: 5})
    expect(issues[0]!.message).toMatch(/unique/)
  })

  test('an invalid account name is pointed at as a key', () => {
    const [issue] = problems(valid.replace('  app-2:\n', '  "app 2":\n'))
    expect(issue).toMatchObject({line: 15, col: 3, path: 'accounts.app 2'})
    expect(issue!.message).toMatch(/not a valid key here: expected an account name/)
  })

  test('an empty file and a list are refused with a position', () => {
    expect(problems('')[0]).toMatchObject({line: 1, col: 1, message: expect.stringContaining('empty')})
    expect(problems('- a\n')[0]).toMatchObject({line: 1, col: 1, message: 'expected a map of keys to values, got a list'})
  })

  test('anchors and merge keys can share settings between accounts', () => {
    const text = valid
      .replace('  lb:\n', '  lb: &common\n')
      .replace('    region: us-east-1\n', '    <<: *common\n    region: us-east-1\n')
    const {data} = parseProfileText(text, FILE, 'p')
    expect(data.accounts['app-1']).toMatchObject({accountId: '222222222222', region: 'us-east-1', ssh: {key: 'keys/lb.pem'}})
    expect(data.accounts['app-1']!.instance).toEqual({id: 'i-0123456789abcdef0'})
  })

  test('the error message lists FILE:LINE:COL: path: message lines', () => {
    try {
      parseProfileText(withLine(13, '    regoin: us-east-1'), FILE, 'p')
    } catch (error) {
      expect((error as Error).message).toBe(
        'Profile `p` has a problem:\n  /profiles/p.yaml:13:5: accounts.app-1.regoin: unknown key `regoin`; did you mean `region`?',
      )
      return
    }
    throw new Error('accepted')
  })
})
