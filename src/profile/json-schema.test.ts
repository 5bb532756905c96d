import {readFileSync} from 'node:fs'

import {Ajv2020} from 'ajv/dist/2020.js'
import {parse} from 'yaml'
import {describe, expect, test} from 'vitest'

import {profileJsonSchema} from './json-schema.js'
import {loadProfile} from './load.js'

const repo = new URL('../../', import.meta.url)
const committed = JSON.parse(readFileSync(new URL('profiles/schema.json', repo), 'utf8')) as Record<string, unknown>
const exampleText = readFileSync(new URL('profiles/example.yaml', repo), 'utf8')

describe('profiles/schema.json', () => {
  test('is the schema generated from the zod schema (run `node scripts/gen-schema.js` after a build)', () => {
    expect(committed).toEqual(profileJsonSchema())
  })

  test('accepts the example profile and the typos an editor should flag', () => {
    const validate = new Ajv2020({strict: false}).compile(committed)
    expect(validate(parse(exampleText)), JSON.stringify(validate.errors)).toBe(true)
    const typo = parse(exampleText.replace('region: ap-northeast-2', 'regoin: ap-northeast-2')) as unknown
    expect(validate(typo)).toBe(false)
    const both = parse(exampleText.replace('{ tag: { fleet: lb } }', '{ tag: { fleet: lb }, id: i-0123456789abcdef0 }')) as unknown
    expect(validate(both)).toBe(false)
  })
})

describe('profiles/example.yaml', () => {
  test("loads cleanly and holds the story's architectures", async () => {
    const profile = await loadProfile(new URL('profiles/example.yaml', repo).pathname, {env: {}})
    expect(profile.name).toBe('example')
    expect(profile.accounts.map((a) => [a.name, a.region])).toEqual([
      ['lb', 'ap-northeast-2'],
      ['app-1', 'ap-northeast-2'],
      ['app-2', 'ap-northeast-2'],
      ['app-3', 'ap-northeast-2'],
    ])
    expect(profile.accounts.every((a) => a.roleArn.endsWith(':role/FleetOperator'))).toBe(true)
    expect(profile.architectureIds).toEqual(['1', '2', '3', '4-1', '4-2', '5', '6'])
    const arch = profile.data.architectures!
    const shape = Object.fromEntries(profile.architectureIds.map((id) => [id, [arch[id]!.lb?.instanceType, arch[id]!.apps.length, arch[id]!.rdsPublic]]))
    expect(shape).toEqual({
      '1': ['t2.medium', 2, false],
      '2': ['t2.micro', 1, true],
      '3': ['t2.micro', 2, true],
      '4-1': ['t2.medium', 2, true],
      '4-2': ['t2.medium', 3, true],
      '5': ['t2.xlarge', 3, true],
      '6': ['t2.medium', 3, true],
    })
    expect(arch['1']!.apps).toEqual(['lb', {account: 'app-1', ports: [8080, 8081]}])
    expect(arch['6']!.nginx).toEqual({workerProcesses: 'auto', workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'})
    expect(profile.data.nginx).toMatchObject({on: 'lb', upstream: 'honorsParkingBackend', test: 'docker exec nginx nginx -t'})
    expect(profile.data.rds).toMatchObject({instance: 'parking-db', key: 'DB_URL'})
  })
})
