import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {maskEnvText, maskUrl, maskValue, maskedEnvDiff} from './mask.js'
import {scanEnv} from './scan.js'

describe('maskUrl', () => {
  test.each([
    ['jdbc:mysql://admin:hunter22@db:3306/parking', 'jdbc:mysql://admin:****@db:3306/parking'],
    ['redis://:hunter22@cache:6379', 'redis://:****@cache:6379'],
    ['jdbc:mysql://admin:p@ss/w0rd@db:3306/parking', 'jdbc:mysql://admin:****@db:3306/parking'],
    ['jdbc:mysql://db:3306/parking?user=admin&password=hunter22&useSSL=true', 'jdbc:mysql://db:3306/parking?user=admin&password=****&useSSL=true'],
    ['jdbc:sqlserver://db:1433;user=sa;password=hunter22;encrypt=true', 'jdbc:sqlserver://db:1433;user=sa;password=****;encrypt=true'],
    ['jdbc:oracle:thin:scott/hunter22@db:1521/orcl', 'jdbc:oracle:thin:scott/****@db:1521/orcl'],
    ['https://api.example.com/?access_token=abc123&x=1', 'https://api.example.com/?access_token=****&x=1'],
    ['jdbc:mysql://db:3306/parking', 'jdbc:mysql://db:3306/parking'],
  ])('Given %s, When masked, Then it shows %s', (value, masked) => {
    expect(maskUrl(value)).toBe(masked)
  })

  test('Given a secret-looking key, When its value is masked, Then all of it is', () => {
    expect(maskValue('DB_PASSWORD', 'hunter22')).toBe('****')
    expect(maskValue('DB_URL', 'jdbc:mysql://a:hunter22@db/x')).toBe('jdbc:mysql://a:****@db/x')
  })
})

describe('maskEnvText', () => {
  test('Given a .env with secrets, When masked for DB_URL, Then every other value is hidden and every other byte kept', () => {
    const text = [
      '\uFEFFDB_PASSWORD=hunter22',
      "#  export OLD_SECRET='s3 cr3t' # rotated",
      'API_TOKEN="multi',
      'line"',
      'JWT_SECRET="never closed',
      'DB_URL=jdbc:mysql://admin:hunter22@db:3306/parking # main',
      '#DB_URL=jdbc:mysql://db:3306/parking?password=hunter22',
      'DB_PASSWORD_X=a&b;c #d',
      'USER=admin',
      'EMPTY_TOKEN=',
      '',
    ].join('\r\n')
    expect(maskEnvText(text, 'DB_URL')).toBe(
      [
        '\uFEFFDB_PASSWORD=****',
        '#  export OLD_SECRET=****',
        'API_TOKEN=****',
        '****',
        'JWT_SECRET=****',
        'DB_URL=jdbc:mysql://admin:****@db:3306/parking # main',
        '#DB_URL=jdbc:mysql://db:3306/parking?password=****',
        'DB_PASSWORD_X=****',
        'USER=****',
        'EMPTY_TOKEN=',
        '',
      ].join('\r\n'),
    )
  })

  test('Given any password in any of the usual places, When masked, Then it never shows', () => {
    const password = fc.string({unit: fc.constantFrom(...'abcXYZ019!@#%^*()-_+[]{}/?.,~$\'"\\`:='.split('')), minLength: 4}).map((s) => `Pw${s}`)
    const noSeparators = password.filter((p) => !/[&;]/.test(p))
    fc.assert(
      fc.property(password, noSeparators, password, fc.constantFrom('\n', '\r\n'), (p1, p2, p3, eol) => {
        const text = [
          `DB_URL=jdbc:mysql://admin:${p1}@db:3306/parking`,
          `#DB_URL='jdbc:mysql://db:3306/parking?user=a&password=${p2}&x=1'`,
          `DB_PASSWORD=${p3}`,
          `  # SPRING_DATASOURCE_PASSWORD = ${p3} # old`,
        ].join(eol)
        const masked = maskEnvText(text, 'DB_URL')
        for (const p of [p1, p2, p3]) expect(masked).not.toContain(p)
        expect(masked.split(eol)).toHaveLength(4)
      }),
    )
  })
})

describe('maskedEnvDiff', () => {
  test('Given an edit next to a password line, When diffed, Then the diff shows the change and no password', () => {
    const before = 'DB_URL=jdbc:mysql://u:hunter22@a/p\nDB_PASSWORD=hunter22\n'
    const after = 'DB_URL=jdbc:mysql://u:hunter22@b/p\nDB_PASSWORD=hunter22\n'
    const diff = maskedEnvDiff('/home/ec2-user/app/.env', before, after, 'DB_URL')
    expect(diff).toContain('-DB_URL=jdbc:mysql://u:****@a/p\n+DB_URL=jdbc:mysql://u:****@b/p\n DB_PASSWORD=****\n')
    expect(diff).not.toContain('hunter22')
  })
})

// The story's .env with keys no list of secret words would catch, some right next to DB_URL.
const PUBLIC = 'jdbc:mysql://parking-db.c9akciq32.ap-northeast-2.rds.amazonaws.com:3306/parking'
const PRIVATE = 'jdbc:mysql://admin:hunter22@172.31.9.40:3306/parking'
const others = (eol = '\n') =>
  [
    `REDIS_AUTH="r3d!s-Auth 77"`,
    'export JWT=eyJhbGciOiJIUzI1NiJ9.e30.abc',
    'SPRING_MAIL_PASS: m4ilP4ss',
    '# AWS_SECRET=wJalrXUtnFEMI/K7MDENG  (rotated)',
    "KEY_X='kx-19f3' # from vault",
    '##OLD_KEY=0ldV4lue',
    'AWS_SECRET=wJalrXUtnFEMI/K7MDENG',
    'EMPTY=',
    'INHERITED',
    '',
  ].join(eol)
const storyEnv = (active: 'public' | 'private') =>
  [
    '# honorsParking',
    'SPRING_PROFILES_ACTIVE=prod',
    'DB_PASS=Kq7vX2mPz9',
    `${active === 'public' ? '#' : ''}DB_URL=${PRIVATE}`,
    `${active === 'public' ? '' : '#'}DB_URL=${PUBLIC}`,
    others(),
  ].join('\n')
const VALUES = ['prod', 'Kq7vX2mPz9', 'hunter22', 'r3d!s-Auth 77', 'eyJhbGciOiJIUzI1NiJ9', 'm4ilP4ss', 'wJalrXUtnFEMI', 'kx-19f3', 'from vault', '0ldV4lue']

describe('maskEnvText shows the switched key only', () => {
  test('Given the story .env with keys of any name, When masked for DB_URL, Then only the DB_URL lines show a value, key names and comments kept', () => {
    expect(maskEnvText(storyEnv('private'), 'DB_URL')).toBe(
      [
        '# honorsParking',
        'SPRING_PROFILES_ACTIVE=****',
        'DB_PASS=****',
        'DB_URL=jdbc:mysql://admin:****@172.31.9.40:3306/parking',
        `#DB_URL=${PUBLIC}`,
        'REDIS_AUTH=****',
        'export JWT=****',
        'SPRING_MAIL_PASS: ****',
        '# AWS_SECRET=****',
        'KEY_X=****',
        '##OLD_KEY=****',
        'AWS_SECRET=****',
        'EMPTY=',
        'INHERITED',
        '',
      ].join('\n'),
    )
  })

  test('Given a multi-line value and lines compose would refuse, When masked, Then none of their text shows and the line count stays', () => {
    const text = ['CERT="-----BEGIN-----', 'MIIBk2x9', '-----END-----"', 'MY KEY=s3cr3t-a', 'A="x" s3cr3t-b', 'B="y', 's3cr3t-c"', `DB_URL=${PUBLIC}`].join('\r\n')
    const masked = maskEnvText(text, 'DB_URL')
    expect(masked).toBe(['CERT=****', '****', '****', 'MY KEY=****', 'A=****', 'B=****', '****', `DB_URL=${PUBLIC}`].join('\r\n'))
  })

  test('Given the key in another case or as a prefix, When masked, Then it is another key and masked', () => {
    expect(maskEnvText('db_url=jdbc:mysql://x/p\nDB_URL_RO=jdbc:mysql://y/p\nDB_URL=jdbc:mysql://z/p\n', 'DB_URL')).toBe('db_url=****\nDB_URL_RO=****\nDB_URL=jdbc:mysql://z/p\n')
  })

  test('Given any keys but DB_URL in any style, When masked, Then none of their values shows and the DB_URL lines stay', () => {
    const value = fc.string({unit: fc.constantFrom(...'abcXYZ019 !@#%^()-_+[]{}/?.,~$\'"\\`:=\t'.split('')), minLength: 2}).map((s) => `Zq${s}`)
    const key = fc.stringMatching(/^[A-Z_][A-Z0-9_.]{0,12}$/).filter((k) => k !== 'DB_URL')
    // Only an active quoted value runs over two lines, and only when no quote in it ends it early:
    // otherwise the next line is a line of its own to compose (a bare name, or a key).
    const line = fc
      .tuple(key, value, value, fc.constantFrom('', "'", '"'), fc.constantFrom('', '#', '# ', '##', 'export ', '  ', 'MY '), fc.constantFrom('=', ' = ', ': '), fc.boolean())
      .map(([k, v1, v2, quote, head, sep, two]) => {
        const twoLines = two && quote !== '' && ['', 'export ', '  '].includes(head) && !/['"\\]/.test(v1 + v2)
        return {text: `${head}${k}${sep}${quote}${v1}${twoLines ? `\n${v2}` : ''}${quote}`, values: twoLines ? [v1, v2] : [v1]}
      })
    const active = `DB_URL=${PUBLIC}`
    const commented = `#DB_URL=${PUBLIC.replace('parking-db', 'old-db')}`
    fc.assert(
      fc.property(fc.array(line, {maxLength: 8}), fc.nat(), fc.constantFrom('\n', '\r\n'), (lines, at, eol) => {
        const texts = lines.map((l) => l.text)
        texts.splice(at % (texts.length + 1), 0, active, commented)
        const text = texts.join(eol)
        const masked = maskEnvText(text, 'DB_URL')
        for (const v of lines.flatMap((l) => l.values)) expect(masked).not.toContain(v)
        expect(masked.split('\n')).toHaveLength(text.split('\n').length)
        // Unless a quote left open before them swallows them into another value (compose reads them so too).
        if (scanEnv(text).some((s) => s.key === 'DB_URL' && s.comment === null)) expect(masked.split(/\r?\n/)).toContain(active)
        if (scanEnv(text).some((s) => s.key === 'DB_URL' && s.comment !== null)) expect(masked.split(/\r?\n/)).toContain(commented)
      }),
      {numRuns: 300},
    )
  })
})

describe('maskedEnvDiff of the story switch', () => {
  test('Given DB_PASS and REDIS_AUTH within three lines of DB_URL, When the switch is diffed, Then the diff shows the DB_URL lines and no other value', () => {
    const diff = maskedEnvDiff('/home/ec2-user/app/.env', storyEnv('private'), storyEnv('public'), 'DB_URL')
    expect(diff).toBe(
      [
        '--- /home/ec2-user/app/.env',
        '+++ /home/ec2-user/app/.env',
        '@@ -1,8 +1,8 @@',
        ' # honorsParking',
        ' SPRING_PROFILES_ACTIVE=****',
        ' DB_PASS=****',
        '-DB_URL=jdbc:mysql://admin:****@172.31.9.40:3306/parking',
        `-#DB_URL=${PUBLIC}`,
        '+#DB_URL=jdbc:mysql://admin:****@172.31.9.40:3306/parking',
        `+DB_URL=${PUBLIC}`,
        ' REDIS_AUTH=****',
        ' export JWT=****',
        ' SPRING_MAIL_PASS: ****',
        '',
      ].join('\n'),
    )
    for (const v of VALUES) expect(diff).not.toContain(v)
  })

  test('Given a CRLF file, When diffed, Then the masked lines keep their CR', () => {
    const crlf = (s: string) => s.replaceAll('\n', '\r\n')
    const diff = maskedEnvDiff('.env', crlf(storyEnv('private')), crlf(storyEnv('public')), 'DB_URL')
    expect(diff).toContain(' DB_PASS=****\r\n')
    for (const v of VALUES) expect(diff).not.toContain(v)
  })
})
