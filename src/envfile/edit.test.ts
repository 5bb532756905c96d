import {describe, expect, test} from 'vitest'

import {setEnvUrl, type EnvEdit} from './edit.js'
import type {DbUrls} from './types.js'

const urls: DbUrls = {
  public: 'jdbc:mysql://parking-db.c9akciq32.ap-northeast-2.rds.amazonaws.com:3306/parking',
  private: 'jdbc:mysql://172.31.9.40:3306/parking',
}

// The story's .env: the private URL commented out, the public one active.
const storyOn = [
  '# honorsParking',
  'SPRING_PROFILES_ACTIVE=prod',
  `#DB_URL=${urls.private}`,
  `DB_URL=${urls.public}`,
  'DB_USERNAME=admin',
  'DB_PASSWORD=S3cr3t!pw',
  '',
].join('\n')
const storyOff = [
  '# honorsParking',
  'SPRING_PROFILES_ACTIVE=prod',
  `DB_URL=${urls.private}`,
  `#DB_URL=${urls.public}`,
  'DB_USERNAME=admin',
  'DB_PASSWORD=S3cr3t!pw',
  '',
].join('\n')

function edited(result: EnvEdit): string {
  if (!result.ok) throw new Error(`expected an edit, got ${result.error.code}: ${result.error.message}`)
  return result.text
}

const crlf = (s: string) => s.replaceAll('\n', '\r\n')
const noFinalNewline = (s: string) => s.replace(/\r?\n$/, '')
const bom = (s: string) => `\uFEFF${s}`
const exported = (s: string) => s.replace(/^(#?)DB_URL=/gm, '$1export DB_URL=')
const spacedHash = (s: string) => s.replace(/^#DB_URL=/m, '# DB_URL=')

describe('setEnvUrl on the story .env', () => {
  const variants: Array<[string, (s: string) => string]> = [
    ['LF', (s) => s],
    ['CRLF', crlf],
    ['no final newline', noFinalNewline],
    ['CRLF without a final newline', (s) => noFinalNewline(crlf(s))],
    ['a UTF-8 BOM', bom],
    ['a BOM and CRLF', (s) => bom(crlf(s))],
    ['export KEY=', exported],
    ['"# DB_URL=" with a space', spacedHash],
  ]

  test.each(variants)('Given the story file with %s, When switched off, Then the two DB_URL lines swap comments and nothing else changes', (_name, variant) => {
    const result = setEnvUrl(variant(storyOn), 'DB_URL', 'private', urls)
    expect(edited(result)).toBe(variant(storyOff))
    expect(result).toMatchObject({changed: true, how: 'swap-comments', warnings: []})
  })

  test.each(variants)('Given the story file with %s switched off, When switched on, Then it is the original again', (_name, variant) => {
    expect(edited(setEnvUrl(variant(storyOff), 'DB_URL', 'public', urls))).toBe(variant(storyOn))
  })

  test('Given the commented line uses "# ", When the active line is commented out, Then it gets "# " too', () => {
    const off = edited(setEnvUrl(spacedHash(storyOn), 'DB_URL', 'private', urls))
    expect(off.split('\n').slice(2, 4)).toEqual([`DB_URL=${urls.private}`, `# DB_URL=${urls.public}`])
  })

  test('Given the file already points where wanted, When switched, Then it is unchanged and says so', () => {
    const result = setEnvUrl(storyOn, 'DB_URL', 'public', urls)
    expect(result).toEqual({ok: true, text: storyOn, changed: false, how: 'none', warnings: []})
  })

  test('Given indented lines, When switched, Then the # goes after the indentation and comes back out', () => {
    const on = `  #DB_URL=${urls.private}\n\tDB_URL=${urls.public}\n`
    const off = edited(setEnvUrl(on, 'DB_URL', 'private', urls))
    expect(off).toBe(`  DB_URL=${urls.private}\n\t#DB_URL=${urls.public}\n`)
    expect(edited(setEnvUrl(off, 'DB_URL', 'public', urls))).toBe(on)
  })

  test('Given several commented candidates, When switched, Then the one nearest the active line is swapped in', () => {
    const text = `#DB_URL=${urls.private}\nA=1\nB=2\nDB_URL=${urls.public}\n#DB_URL=${urls.private}\n`
    expect(edited(setEnvUrl(text, 'DB_URL', 'private', urls))).toBe(`#DB_URL=${urls.private}\nA=1\nB=2\n#DB_URL=${urls.public}\nDB_URL=${urls.private}\n`)
  })

  test('Given a commented line with ## or another key, When switched, Then it is no candidate and the value is replaced', () => {
    const text = `##DB_URL=${urls.private}\n#DB_URL_RO=${urls.private}\nDB_URL=${urls.public}\n`
    const result = setEnvUrl(text, 'DB_URL', 'private', urls)
    expect(edited(result)).toBe(`##DB_URL=${urls.private}\n#DB_URL_RO=${urls.private}\nDB_URL=${urls.private}\n`)
    expect(result).toMatchObject({how: 'replace-value'})
  })
})

describe('setEnvUrl with the key once', () => {
  test.each([
    ['an unquoted value', `DB_URL=${urls.public}\n`, `DB_URL=${urls.private}\n`],
    ['a single-quoted value', `DB_URL='${urls.public}'\n`, `DB_URL='${urls.private}'\n`],
    ['a double-quoted value', `DB_URL="${urls.public}"\n`, `DB_URL="${urls.private}"\n`],
    ['blanks around = and a comment', `DB_URL = ${urls.public}  # rds\n`, `DB_URL = ${urls.private}  # rds\n`],
    ['export, a quoted value and a comment', `export DB_URL="${urls.public}" # rds\r\n`, `export DB_URL="${urls.private}" # rds\r\n`],
    ['the YAML style compose takes', `DB_URL: ${urls.public}`, `DB_URL: ${urls.private}`],
  ])('Given %s, When switched, Then only the value changes and its quoting stays', (_name, before, after) => {
    const result = setEnvUrl(before, 'DB_URL', 'private', urls)
    expect(edited(result)).toBe(after)
    expect(result).toMatchObject({changed: true, how: 'replace-value', warnings: []})
    expect(edited(setEnvUrl(after, 'DB_URL', 'public', urls))).toBe(before)
  })

  test.each([
    ['a $', 'jdbc:mysql://h:3306/db?x=$HOME', `DB_URL='jdbc:mysql://h:3306/db?x=$HOME'`],
    ['" #"', 'jdbc:mysql://h/db #1', `DB_URL='jdbc:mysql://h/db #1'`],
    ['a #', 'jdbc:mysql://h/db#frag', `DB_URL='jdbc:mysql://h/db#frag'`],
    ['a space', 'jdbc:mysql://h/my db', `DB_URL='jdbc:mysql://h/my db'`],
    ['a double quote', 'jdbc:mysql://h/db?x="y"', `DB_URL='jdbc:mysql://h/db?x="y"'`],
    ['a backslash', 'jdbc:mysql://h/db?x=a\\b', `DB_URL='jdbc:mysql://h/db?x=a\\b'`],
    ['a single quote', "jdbc:mysql://h/db?x='y'", `DB_URL="jdbc:mysql://h/db?x='y'"`],
  ])('Given a URL with %s, When written over an unquoted value, Then it is quoted so compose reads it back as is', (_name, url, line) => {
    for (const style of ['', '"']) {
      const result = setEnvUrl(`DB_URL=${style}${urls.public}${style}\n`, 'DB_URL', 'private', {...urls, private: url})
      expect(edited(result)).toBe(`${line}\n`)
      const quote = line.slice('DB_URL='.length, 'DB_URL='.length + 1)
      const warnings = quote === style ? [] : [expect.stringContaining(`line 1: DB_URL is now ${quote === "'" ? 'single' : 'double'}-quoted`)]
      expect(result.ok && result.warnings).toEqual(warnings)
    }
  })

  test('Given a URL compose cannot read back in any quoting, When written, Then it is refused as a profile error', () => {
    for (const bad of ["jdbc:mysql://h/db?x='$y'", 'jdbc:mysql://h/db\\', 'jdbc:mysql://h/db\nX=1']) {
      const result = setEnvUrl(`DB_URL=${urls.public}\n`, 'DB_URL', 'private', {...urls, private: bad})
      expect(result).toMatchObject({ok: false, error: {code: 'DbUrlUnwritable', exitCode: 2}})
      expect(!result.ok && result.error.message).toContain('rds.private')
    }
  })
})

describe('setEnvUrl refuses what it must not edit', () => {
  test('Given no DB_URL line, When switched, Then it is refused naming rds.key and rds.envFile', () => {
    const result = setEnvUrl('A=1\n# DB_URL is set elsewhere\n', 'DB_URL', 'public', urls)
    expect(result).toMatchObject({ok: false, error: {code: 'EnvKeyMissing', exitCode: 3}})
    expect(!result.ok && result.error.nextSteps.join(' ')).toContain('rds.key / rds.envFile')
  })

  test('Given only a commented DB_URL with the wanted URL, When switched, Then it is refused and the line to uncomment is named', () => {
    const result = setEnvUrl(`A=1\n#DB_URL=${urls.public}\n`, 'DB_URL', 'public', urls)
    expect(result).toMatchObject({ok: false, error: {code: 'EnvKeyMissing'}})
    expect(!result.ok && result.error.nextSteps[0]).toContain('Uncomment line 2')
  })

  test('Given two active DB_URL lines, When switched, Then it is refused naming both lines', () => {
    const result = setEnvUrl(`DB_URL=${urls.public}\nA=1\nexport DB_URL=${urls.private}\n`, 'DB_URL', 'public', urls)
    expect(result).toMatchObject({ok: false, error: {code: 'EnvKeyAmbiguous', exitCode: 3}})
    expect(!result.ok && result.error.message).toContain('lines (1, 3)')
  })

  test('Given a DB_URL that runs over lines, When switched, Then it is refused', () => {
    expect(setEnvUrl(`DB_URL="${urls.public}\n"\n`, 'DB_URL', 'private', urls)).toMatchObject({ok: false, error: {code: 'EnvValueUnreadable', exitCode: 3}})
  })

  test('Given a quote left open on any line, When switched, Then it is refused: a quote fleet writes could close it', () => {
    // Found by the property tests: writing 'x$y' after A=' would turn line 2 into part of A's value.
    for (const text of [`DB_URL="${urls.public}\n`, `A='\nDB_URL=${urls.public}\n`, `DB_URL=${urls.public}\nB="open\n`]) {
      const result = setEnvUrl(text, 'DB_URL', 'private', {...urls, private: 'jdbc:mysql://h/x$y'})
      expect(result).toMatchObject({ok: false, error: {code: 'EnvUnreadable', exitCode: 3}})
    }
  })

  test('Given a value that is neither URL, When switched without force, Then it is refused with the password masked', () => {
    const text = 'DB_URL=jdbc:mysql://admin:hunter22@elsewhere:3306/parking\n'
    const result = setEnvUrl(text, 'DB_URL', 'public', urls)
    expect(result).toMatchObject({ok: false, error: {code: 'EnvValueOther', exitCode: 4}})
    expect(!result.ok && result.error.message).toContain('admin:****@elsewhere')
    expect(JSON.stringify(!result.ok && [result.error.message, result.error.nextSteps])).not.toContain('hunter22')
  })

  test('Given a value that is neither URL, When switched with force, Then it is replaced with a masked warning', () => {
    const text = 'A=1\nDB_URL=jdbc:mysql://admin:hunter22@elsewhere:3306/parking\n'
    const result = setEnvUrl(text, 'DB_URL', 'public', urls, {force: true})
    expect(edited(result)).toBe(`A=1\nDB_URL=${urls.public}\n`)
    expect(result.ok && result.warnings).toEqual(['line 2: DB_URL held neither URL (jdbc:mysql://admin:****@elsewhere:3306/parking); replaced because of --force.'])
  })

  test('Given a value that is neither URL and a commented wanted line, When switched with force, Then the other value is kept commented out', () => {
    const text = `DB_URL=jdbc:mysql://old:3306/parking\n#DB_URL=${urls.private}\n`
    const result = setEnvUrl(text, 'DB_URL', 'private', urls, {force: true})
    expect(edited(result)).toBe(`#DB_URL=jdbc:mysql://old:3306/parking\nDB_URL=${urls.private}\n`)
    expect(result).toMatchObject({how: 'swap-comments', warnings: [expect.stringContaining('commented out because of --force')]})
  })
})

describe('setEnvUrl when both templates render the same (shared)', () => {
  const shared = {public: urls.public, private: urls.public}

  test('Given the shared URL, When switched either way, Then nothing changes', () => {
    for (const want of ['public', 'private'] as const) {
      expect(setEnvUrl(storyOn, 'DB_URL', want, shared)).toMatchObject({ok: true, changed: false, how: 'none', text: storyOn})
    }
  })
})
