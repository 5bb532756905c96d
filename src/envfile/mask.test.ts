import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {maskEnvText, maskUrl, maskValue, maskedEnvDiff} from './mask.js'

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
  test('Given a .env with secrets, When masked, Then every secret is hidden and every other byte kept', () => {
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
    expect(maskEnvText(text)).toBe(
      [
        '\uFEFFDB_PASSWORD=****',
        '#  export OLD_SECRET=****',
        'API_TOKEN=****',
        '****',
        'JWT_SECRET=****',
        'DB_URL=jdbc:mysql://admin:****@db:3306/parking # main',
        '#DB_URL=jdbc:mysql://db:3306/parking?password=****',
        'DB_PASSWORD_X=****',
        'USER=admin',
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
        const masked = maskEnvText(text)
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
    const diff = maskedEnvDiff('/home/ec2-user/app/.env', before, after)
    expect(diff).toContain('-DB_URL=jdbc:mysql://u:****@a/p\n+DB_URL=jdbc:mysql://u:****@b/p\n DB_PASSWORD=****\n')
    expect(diff).not.toContain('hunter22')
  })
})
