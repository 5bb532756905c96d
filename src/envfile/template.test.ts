import {describe, expect, test} from 'vitest'

import {renderDbUrl, renderDbUrls, type DbUrlVars} from './template.js'

const vars: DbUrlVars = {
  endpoint: 'parking-db.c9akciq32.ap-northeast-2.rds.amazonaws.com',
  port: 3306,
  accounts: {lb: {privateIp: '172.31.9.40', publicIp: '3.35.1.2'}, 'app-1': {privateIp: '172.31.1.7', publicIp: null}},
}

describe('renderDbUrl', () => {
  test('Given the profile templates, When rendered, Then every placeholder is filled in', () => {
    expect(renderDbUrl('jdbc:mysql://{endpoint}:{port}/parking', vars)).toEqual({ok: true, url: 'jdbc:mysql://parking-db.c9akciq32.ap-northeast-2.rds.amazonaws.com:3306/parking'})
    expect(renderDbUrl('jdbc:mysql://{lb.privateIp}:3306/parking?x={lb.publicIp}&y={app-1.privateIp}', vars)).toEqual({
      ok: true,
      url: 'jdbc:mysql://172.31.9.40:3306/parking?x=3.35.1.2&y=172.31.1.7',
    })
  })

  test('Given text without placeholders or with a lone brace, When rendered, Then it stays as it is', () => {
    expect(renderDbUrl('jdbc:mysql://db:3306/x?a={', vars)).toEqual({ok: true, url: 'jdbc:mysql://db:3306/x?a={'})
  })

  test('Given unknown placeholders, When rendered, Then a usage error names each one and the accounts', () => {
    const result = renderDbUrl('jdbc:mysql://{host}:{port}/{db.privateIp}/{lb.ip}/{constructor.privateIp}', vars, 'rds.private')
    expect(result).toMatchObject({ok: false, error: {code: 'UnknownPlaceholder', exitCode: 2}})
    if (result.ok) return
    expect(result.error.message).toBe(
      'rds.private has unknown placeholders {host}, {db.privateIp}, {lb.ip}, {constructor.privateIp}: use {endpoint}, {port}, {NAME.privateIp} or {NAME.publicIp}.',
    )
    expect(result.error.nextSteps[0]).toContain('(lb, app-1)')
  })

  test('Given a known placeholder with no value now, When rendered, Then it is an external error naming it', () => {
    expect(renderDbUrl('jdbc:mysql://{app-1.publicIp}:3306/x', vars, 'rds.public')).toMatchObject({
      ok: false,
      error: {code: 'PlaceholderUnavailable', exitCode: 3, message: 'rds.public needs {app-1.publicIp}, which has no value now.'},
    })
    expect(renderDbUrl('jdbc:mysql://{endpoint}:{port}/x', {accounts: {}})).toMatchObject({ok: false, error: {code: 'PlaceholderUnavailable'}})
  })
})

describe('renderDbUrls', () => {
  test('Given both templates, When rendered, Then both URLs come back, or the first error naming its field', () => {
    expect(renderDbUrls({public: 'jdbc:mysql://{endpoint}:{port}/p', private: 'jdbc:mysql://{lb.privateIp}:3306/p'}, vars)).toEqual({
      ok: true,
      urls: {public: `jdbc:mysql://${vars.endpoint}:3306/p`, private: 'jdbc:mysql://172.31.9.40:3306/p'},
    })
    const bad = renderDbUrls({public: 'jdbc:mysql://{endpoint}/p', private: 'jdbc:mysql://{nope}/p'}, vars)
    expect(!bad.ok && bad.error.message).toMatch(/^rds\.private has unknown placeholder \{nope\}/)
  })
})
