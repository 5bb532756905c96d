import fc from 'fast-check'
import {describe, expect, test} from 'vitest'

import {decodeEnvFile, encodeEnvFile} from './bytes.js'
import {classifyEnv} from './classify.js'
import {setEnvUrl} from './edit.js'
import {scanEnv} from './scan.js'
import type {DbUrls} from './types.js'
import {quoteValue} from './value.js'

const KEY = 'DB_URL'

// What rds.public / rds.private render to.
const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}(\.[a-z0-9-]{1,8}){0,3}$/)
const query = fc.stringMatching(/^[a-zA-Z]{1,8}=[a-z0-9]{1,6}(&[a-zA-Z]{1,8}=[a-z0-9]{1,6}){0,2}$/)
const url = fc
  .tuple(fc.constantFrom('mysql', 'mariadb', 'postgresql'), host, fc.integer({min: 1, max: 65_535}), fc.stringMatching(/^[a-z_]{1,10}$/), fc.option(query))
  .map(([scheme, h, port, db, q]) => `jdbc:${scheme}://${h}:${port}/${db}${q ? `?${q}` : ''}`)
// URLs with what compose interpolates or cuts: they need quotes.
const oddUrl = fc.tuple(url, fc.constantFrom('$x', '${X}', ' #y', ' z', '"q"', "'s'", '\\b', '#f')).map(([u, odd]) => u + odd)
const pairOf = (u: fc.Arbitrary<string>) => fc.tuple(u, u).filter(([a, b]) => a !== b).map(([pub, priv]): DbUrls => ({public: pub, private: priv}))

// The other lines: latin1 (each byte of a file that is not UTF-8), CR, and what compose reads specially.
const latin1 = fc.oneof(
  {weight: 6, arbitrary: fc.integer({min: 0x20, max: 0x7e}).map((c) => String.fromCharCode(c))},
  {weight: 2, arbitrary: fc.integer({min: 0x80, max: 0xff}).map((c) => String.fromCharCode(c))},
  {weight: 2, arbitrary: fc.constantFrom('#', '=', ' ', '\t', '\r', '$', ':', '\u0000', '\u00a0')},
)
const anyChar = fc.oneof({weight: 9, arbitrary: latin1}, {weight: 1, arbitrary: fc.constantFrom('日', '\uFEFF', '\u2028', '😀')})
const noQuotes = (c: fc.Arbitrary<string>) => c.filter((ch) => !`'"\\`.includes(ch))

function otherLine(char: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const keys = fc.constantFrom('SPRING_PROFILES_ACTIVE', 'DB_URL_RO', 'XDB_URL', 'db_url', 'export DB_USERNAME', '  REDIS_HOST', 'DB_PASSWORD')
  return fc
    .oneof(
      fc.string({unit: char, maxLength: 30}).map((s) => `#${s}`),
      fc.constantFrom('', '   ', '\t', '\r', `##${KEY}=x`, `#${KEY}=jdbc:mysql://decoy:1/x`),
      fc.tuple(keys, fc.constantFrom('=', ' = ', ': '), fc.string({unit: char, maxLength: 30})).map(([k, sep, v]) => `${k}${sep}${v}`),
      fc.string({unit: char, maxLength: 40}),
    )
    .filter((line) => !scanEnv(line).some((s) => s.key === KEY && s.value !== 'jdbc:mysql://decoy:1/x'))
}

const styles = fc.record({
  indent: fc.constantFrom('', '  ', '\t'),
  exp: fc.constantFrom('', 'export '),
  sep: fc.constantFrom('=', ' = ', '= ', ': '),
  quote: fc.constantFrom('', "'", '"'),
  tail: fc.constantFrom('', ' # main', '  ', '\t', ' #x'),
  hash: fc.constantFrom('#', '# ', '#  ', '#\t'),
})
type Style = typeof styles extends fc.Arbitrary<infer T> ? T : never
/** A line for KEY in the style; the value written so compose reads it back where that can be done. */
function keyLine(s: Style, value: string, commented: boolean): string {
  const quoted = quoteValue(value, s.quote)
  const raw = quoted.ok ? quoted.raw : `${s.quote}${value}${s.quote}`
  return `${s.indent}${commented ? s.hash : ''}${s.exp}${KEY}${s.sep}${raw}${s.tail}`
}

interface FileOptions {
  char: fc.Arbitrary<string>
  urls: fc.Arbitrary<DbUrls>
  /** Which URL the active line holds. */
  active: fc.Arbitrary<'public' | 'private' | 'other'>
  /** Whether a commented line holds the other URL (the story's two-line form). */
  partner: fc.Arbitrary<boolean>
}

function envFile(o: FileOptions) {
  return fc
    .record({
      urls: o.urls,
      active: o.active,
      partner: o.partner,
      others: fc.array(otherLine(o.char), {maxLength: 8}),
      at: fc.tuple(fc.nat(), fc.nat()),
      style: fc.tuple(styles, styles),
      eol: fc.constantFrom('\n', '\r\n'),
      finalEol: fc.boolean(),
      bom: fc.boolean(),
    })
    .map((f) => {
      const value = f.active === 'other' ? 'jdbc:mysql://elsewhere:3306/x' : f.urls[f.active]
      const lines = [...f.others]
      lines.splice(f.at[0] % (lines.length + 1), 0, keyLine(f.style[0], value, false))
      const partnerValue = f.active === 'private' ? f.urls.public : f.urls.private
      if (f.partner) lines.splice(f.at[1] % (lines.length + 1), 0, keyLine(f.style[1], partnerValue, true))
      const text = (f.bom ? '\uFEFF' : '') + lines.join(f.eol) + (f.finalEol ? f.eol : '')
      return {text, urls: f.urls, active: f.active}
    })
}

/** Indices of the lines that hold a statement for KEY, active or commented. */
function keyLines(text: string): Set<number> {
  const out = new Set<number>()
  text.split('\n').forEach((line, i) => {
    if (scanEnv(line.replace(/^\uFEFF/, '')).some((s) => s.key === KEY)) out.add(i)
  })
  return out
}

function changedLines(before: string, after: string): number[] {
  const a = before.split('\n')
  const b = after.split('\n')
  expect(b).toHaveLength(a.length)
  return a.flatMap((line, i) => (line === b[i] ? [] : [i]))
}

const want = fc.constantFrom('public' as const, 'private' as const)
const anyFile = envFile({char: anyChar, urls: fc.oneof(pairOf(url), pairOf(oddUrl)), active: fc.constantFrom('public', 'private', 'other'), partner: fc.boolean()})
const cleanFile = envFile({char: noQuotes(anyChar), urls: pairOf(url), active: fc.constantFrom('public', 'private', 'other'), partner: fc.boolean()})
const publicFile = (partner: fc.Arbitrary<boolean>) => envFile({char: noQuotes(anyChar), urls: pairOf(url), active: fc.constant('public'), partner})

describe('setEnvUrl over arbitrary files', () => {
  test('Given any file, When edited, Then only lines of the key change, at most two of them', () => {
    fc.assert(
      fc.property(anyFile, want, fc.boolean(), (f, w, force) => {
        const r = setEnvUrl(f.text, KEY, w, f.urls, {force})
        if (!r.ok) return
        const changed = changedLines(f.text, r.text)
        expect(changed.length).toBeLessThanOrEqual(2)
        const allowed = keyLines(f.text)
        for (const i of changed) expect(allowed.has(i)).toBe(true)
        expect(r.changed).toBe(changed.length > 0)
        if (!r.changed) expect(r.text).toBe(f.text)
      }),
      {numRuns: 500},
    )
  })

  test('Given any file, When edited twice, Then the second edit changes nothing and the file holds the wanted URL', () => {
    fc.assert(
      fc.property(anyFile, want, fc.boolean(), (f, w, force) => {
        const once = setEnvUrl(f.text, KEY, w, f.urls, {force})
        if (!once.ok) return
        expect(setEnvUrl(once.text, KEY, w, f.urls, {force})).toEqual({ok: true, text: once.text, changed: false, how: 'none', warnings: []})
        expect(classifyEnv(once.text, KEY, f.urls)).toMatchObject({ok: true, mode: w})
      }),
      {numRuns: 500},
    )
  })

  test('Given a file compose reads one DB_URL from, When edited, Then it is refused only for an other value without force', () => {
    fc.assert(
      fc.property(cleanFile, want, fc.boolean(), (f, w, force) => {
        const r = setEnvUrl(f.text, KEY, w, f.urls, {force})
        expect(r.ok).toBe(f.active !== 'other' || force)
        if (!r.ok) expect(r.error.code).toBe('EnvValueOther')
      }),
      {numRuns: 300},
    )
  })

  test('Given a file on the public URL, When switched off then on, Then it is byte for byte the original', () => {
    fc.assert(
      fc.property(publicFile(fc.boolean()), (f) => {
        const off = setEnvUrl(f.text, KEY, 'private', f.urls)
        expect(off.ok && off.changed).toBe(true)
        const on = off.ok ? setEnvUrl(off.text, KEY, 'public', f.urls) : off
        expect(on.ok && on.text).toBe(f.text)
      }),
      {numRuns: 500},
    )
  })

  test('Given the story two-line form, When switched off and on, Then the comments swap both ways and it round-trips', () => {
    fc.assert(
      fc.property(publicFile(fc.constant(true)), (f) => {
        const off = setEnvUrl(f.text, KEY, 'private', f.urls)
        expect(off).toMatchObject({ok: true, how: 'swap-comments'})
        const on = off.ok ? setEnvUrl(off.text, KEY, 'public', f.urls) : off
        expect(on).toMatchObject({ok: true, how: 'swap-comments', text: f.text})
      }),
      {numRuns: 300},
    )
  })

  test('Given any file on the public URL with quotes anywhere, When switched off and on, Then whatever succeeds round-trips', () => {
    fc.assert(
      fc.property(envFile({char: anyChar, urls: pairOf(url), active: fc.constant('public'), partner: fc.boolean()}), (f) => {
        const off = setEnvUrl(f.text, KEY, 'private', f.urls)
        if (!off.ok) return
        expect(setEnvUrl(off.text, KEY, 'public', f.urls)).toMatchObject({ok: true, text: f.text})
      }),
      {numRuns: 500},
    )
  })

  test('Given the bytes of a latin1 or UTF-8 file, When decoded, edited and encoded, Then only the key lines differ in bytes', () => {
    fc.assert(
      fc.property(envFile({char: latin1, urls: pairOf(url), active: fc.constantFrom('public', 'private'), partner: fc.boolean()}), want, (f, w) => {
        // The generated text is latin1: as bytes, it is a file that is often not UTF-8.
        const bytes = Buffer.from(f.text.replace(/^\uFEFF/, '\u00EF\u00BB\u00BF'), 'latin1')
        const {text, encoding} = decodeEnvFile(bytes)
        const r = setEnvUrl(text, KEY, w, f.urls)
        if (!r.ok) return
        const out = encodeEnvFile(r.text, encoding)
        const split = (b: Buffer) => b.toString('latin1').split('\n')
        const changed = split(bytes).flatMap((line, i) => (line === split(out)[i] ? [] : [i]))
        expect(split(out)).toHaveLength(split(bytes).length)
        const allowed = keyLines(text)
        for (const i of changed) expect(allowed.has(i)).toBe(true)
        expect(classifyEnv(decodeEnvFile(out).text, KEY, f.urls)).toMatchObject({mode: w})
      }),
      {numRuns: 300},
    )
  })
})
