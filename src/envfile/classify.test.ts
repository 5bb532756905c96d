import {describe, expect, test} from 'vitest'

import {classifyEnv} from './classify.js'

const urls = {public: 'jdbc:mysql://db.rds.amazonaws.com:3306/parking', private: 'jdbc:mysql://10.0.0.5:3306/parking'}

describe('classifyEnv', () => {
  test.each([
    [`#DB_URL=${urls.private}\nDB_URL=${urls.public}\n`, 'public', 2],
    [`DB_URL=${urls.private}\n# DB_URL=${urls.public}\n`, 'private', 1],
    [`export DB_URL = '${urls.public}' # on\r\n`, 'public', 1],
    [`DB_URL="${urls.private}"`, 'private', 1],
    ['DB_URL=jdbc:mysql://elsewhere/parking\n', 'other', 1],
    [`A=1\n#DB_URL=${urls.public}\n`, 'missing', null],
    [`DB_URL_RO=${urls.public}\n`, 'missing', null],
  ])('Given %j, When classified, Then it is %s (line %s)', (text, mode, line) => {
    expect(classifyEnv(text, 'DB_URL', urls)).toEqual({ok: true, mode, line})
  })

  test('Given both templates render the same, When classified, Then that value is shared and any other is other', () => {
    const shared = {public: urls.public, private: urls.public}
    expect(classifyEnv(`DB_URL=${urls.public}\n`, 'DB_URL', shared)).toMatchObject({mode: 'shared'})
    expect(classifyEnv(`DB_URL=${urls.private}\n`, 'DB_URL', shared)).toMatchObject({mode: 'other'})
  })

  test('Given two active DB_URL lines, When classified, Then it is an error, not a mode', () => {
    const result = classifyEnv(`DB_URL=${urls.public}\nDB_URL: ${urls.public}\n`, 'DB_URL', urls)
    expect(result).toMatchObject({ok: false, error: {code: 'EnvKeyAmbiguous', exitCode: 3}})
  })

  test('Given a DB_URL line hidden inside another quoted value, When classified, Then it does not count, as in compose', () => {
    expect(classifyEnv(`X="\nDB_URL=${urls.private}\n"\nDB_URL=${urls.public}\n`, 'DB_URL', urls)).toEqual({ok: true, mode: 'public', line: 4})
  })
})
