/**
 * The JSON Schemas of every command's `--json` output (schemas/*.json,
 * generated from src/json-schemas by `npm run schema`): one per command in
 * commands/, current, valid draft-07, holding spec section 5's shapes (its
 * fields required, `error` null or {code, message}, other fields allowed)
 * and the failure document. The CLI tests check every `--json` run they
 * make against these files (test/harness/json-output.ts).
 */
import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv} from 'ajv'
import {describe, expect, test} from 'vitest'

import {commandSchemaFiles} from '../src/docs/generated.js'
import {COMMAND_JSON_SCHEMAS, schemaFileName} from '../src/json-schemas/index.js'
import {LOADTEST_JSON_SCHEMA} from '../src/loadtest/schema.js'
import {commandIdOf, jsonOutputProblems} from './harness/json-output.ts'

type Node = Record<string, unknown>

const REPO = new URL('../', import.meta.url)
const SCHEMAS = new URL('schemas/', REPO)

const committed = (file: string) => JSON.parse(readFileSync(new URL(file, SCHEMAS), 'utf8')) as Node

/** Every command file under commands/, as an oclif id (`upstream:sync`). */
function commandIds(): string[] {
  return readdirSync(fileURLToPath(new URL('commands/', REPO)), {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length).split(/[\\/]/).join(':'))
    .sort()
}

/**
 * Spec section 5, field by field: the fields each path of a command's JSON
 * must have. `a[]` is an item of the array `a`.
 */
const SPEC: Record<string, Record<string, string[]>> = {
  status: {
    '': ['profile', 'arch', 'accounts'],
    'accounts[]': ['name', 'accountId', 'region', 'ok', 'error', 'instance', 'freeTier'],
    'accounts[].instance': ['id', 'state', 'type', 'publicIp', 'privateIp', 'launchTime', 'autoStopAt'],
    'accounts[].freeTier': ['plan', 'hoursUsed', 'hoursAllowed'],
  },
  ...Object.fromEntries(
    ['up', 'down'].map((id) => [
      id,
      {
        '': ['arch', 'plan', 'results', 'lbPublicIp', 'upstream'],
        'plan[]': ['account', 'action', 'from', 'to'],
        'plan[].from': ['state', 'type'],
        'plan[].to': ['state', 'type'],
        'results[]': ['account', 'ok', 'error'],
        upstream: ['servers', 'changed'],
      },
    ]),
  ),
  'upstream:sync': {'': ['servers', 'changed', 'diff', 'reloaded', 'rolledBack']},
  'rds-public': {'': ['publiclyAccessible', 'endpoint', 'port', 'servers'], 'servers[]': ['account', 'dbUrlMode', 'restarted', 'ok', 'error']},
  loadtest: {
    '': ['run', 'target', 'engine', 'steps', 'verdicts', 'costUsd', 'report'],
    'steps[]': ['arch', 'users', 'rps', 'latencyMs', 'errors', 'non2xx', 'cpu', 'lbBytes'],
    'steps[].latencyMs': ['p50', 'p95', 'p99'],
    'steps[].cpu': ['lb', 'apps'],
    'verdicts[]': ['arch', 'bottleneck', 'why'],
  },
  cost: {
    '': ['month', 'accounts', 'ceRequests', 'fromCache'],
    'accounts[]': ['name', 'ok', 'error', 'totalUsd', 'projectedUsd', 'byUsageType'],
    'accounts[].byUsageType[]': ['group', 'usageType', 'usd', 'quantity', 'unit'],
  },
}

/** The `error` fields of spec section 5 (null or {code, message}). */
const ERROR_PATHS: Record<string, string[]> = {
  status: ['accounts[].error'],
  up: ['results[].error'],
  down: ['results[].error'],
  'rds-public': ['servers[].error'],
  cost: ['accounts[].error'],
}

/** Spec section 5's enumerations. */
const ENUMS: Array<[string, string, unknown[]]> = [
  ['up', 'plan[].action', ['start', 'stop', 'resize', 'none']],
  ['down', 'plan[].action', ['start', 'stop', 'resize', 'none']],
  ['cost', 'accounts[].byUsageType[].group', ['ec2-hours', 'public-ipv4', 'regional-transfer', 'internet-egress', 'rds', 'other']],
  ['loadtest', 'verdicts[].bottleneck', ['lb-cpu', 'app-cpu', 'nginx-connections', 'outside-fleet', 'none']],
]

/** The object schema at `path` of a command's result (through nullable wrappers and arrays). */
function nodeAt(id: string, path: string): Node {
  const result = resultOf(id)
  // A result whose --dry-run document differs holds the run's shape in `else`.
  let node = result.properties ? result : (result.else as Node)
  for (const segment of path.split('.').filter(Boolean)) {
    const array = segment.endsWith('[]')
    const name = array ? segment.slice(0, -2) : segment
    node = unwrap((node.properties as Record<string, Node> | undefined)?.[name], `${id} ${path} (${name})`)
    if (array) node = unwrap(node.items as Node | undefined, `${id} ${path} (${name}[])`)
  }
  return node
}

/** The non-null branch of `anyOf: [{type: null}, X]`. */
function unwrap(node: Node | undefined, where: string): Node {
  if (!node) throw new Error(`the schema has no ${where}`)
  const branches = (node.anyOf as Node[] | undefined)?.filter((b) => b.type !== 'null')
  return branches?.length === 1 ? branches[0]! : node
}

function resultOf(id: string): Node {
  return (committed(schemaFileName(id)).definitions as Record<string, Node>).result!
}

const ajv = new Ajv({allErrors: true, strict: false})

describe('schemas/', () => {
  test('has the JSON Schema of every command in commands/ (a new command needs one: src/json-schemas, then `npm run schema`)', () => {
    const files = new Set(readdirSync(SCHEMAS))
    const missing = commandIds().filter((id) => !files.has(schemaFileName(id)) || !(id in COMMAND_JSON_SCHEMAS))
    expect(missing.map((id) => `fleet ${id.replaceAll(':', ' ')} has no schemas/${schemaFileName(id)} (add it to COMMAND_JSON_SCHEMAS in src/json-schemas/index.ts, then \`npm run schema\`)`)).toEqual([])
  })

  test('holds exactly the schemas src/json-schemas generates (run `npm run schema` after changing them)', () => {
    const generated = commandSchemaFiles()
    expect(readdirSync(SCHEMAS).sort()).toEqual(Object.keys(generated).sort())
    for (const [file, text] of Object.entries(generated)) expect(readFileSync(new URL(file, SCHEMAS), 'utf8'), `schemas/${file} is stale`).toBe(text)
  })

  test('are draft-07 schemas that compile', () => {
    for (const file of readdirSync(SCHEMAS)) {
      const schema = committed(file)
      expect(schema.$schema, file).toBe('http://json-schema.org/draft-07/schema#')
      expect(ajv.validateSchema(schema), `${file}: ${ajv.errorsText(ajv.errors)}`).toBe(true)
      expect(() => new Ajv({strict: true, strictRequired: false, allowUnionTypes: true}).compile(schema), file).not.toThrow()
    }
  })

  test("schemas/loadtest.json is `fleet loadtest`'s own schema (src/loadtest/schema.ts) for a run, with the failure document", () => {
    const {$schema: _draft, title: _title, ...result} = LOADTEST_JSON_SCHEMA as Node
    expect(resultOf('loadtest').else).toEqual(result)
  })
})

describe('spec section 5 in the schemas', () => {
  test.each(Object.keys(SPEC))('%s requires every field the spec names', (id) => {
    for (const [path, fields] of Object.entries(SPEC[id]!)) {
      const required = (nodeAt(id, path).required as string[] | undefined) ?? []
      expect(fields.filter((f) => !required.includes(f)), `${id} ${path || '(top)'}`).toEqual([])
    }
  })

  test.each(Object.keys(ERROR_PATHS))("%s: each `error` is null or {code, message}", (id) => {
    for (const path of ERROR_PATHS[id]!) {
      const [parent, name] = [path.split('.').slice(0, -1).join('.'), path.split('.').at(-1)!]
      const validate = ajv.compile((nodeAt(id, parent).properties as Record<string, Node>)[name]!)
      for (const ok of [null, {code: 'AwsTimeout', message: 'm'}, {code: 'X', message: 'm', nextSteps: ['do'], exitCode: 3}]) expect(validate(ok), `${path} ${JSON.stringify(ok)}`).toBe(true)
      for (const bad of ['AwsTimeout', {code: 'X'}, {message: 'm'}, {code: 1, message: 'm'}]) expect(validate(bad), `${path} ${JSON.stringify(bad)}`).toBe(false)
    }
  })

  test.each(ENUMS)('%s %s is one of the spec values', (id, path, values) => {
    const [parent, name] = [path.split('.').slice(0, -1).join('.'), path.split('.').at(-1)!]
    expect(((nodeAt(id, parent).properties as Record<string, Node>)[name] as Node).enum).toEqual(values)
  })

  test('every object allows fields to be added; only the failure document is closed', () => {
    const closed: string[] = []
    const walk = (node: unknown, where: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`))
      if (typeof node !== 'object' || node === null) return
      if ((node as Node).additionalProperties === false) closed.push(where)
      for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`)
    }
    for (const file of readdirSync(SCHEMAS)) walk(committed(file), file)
    expect(closed.every((where) => where.endsWith('.definitions.failure')), closed.join('\n')).toBe(true)
  })

  test('a failure is {"error": {code, message, exitCode, nextSteps}} and nothing else', () => {
    for (const file of readdirSync(SCHEMAS)) {
      const validate = ajv.compile({definitions: committed(file).definitions, $ref: '#/definitions/failure'})
      const failure = {error: {code: 'BadUsage', message: 'm', exitCode: 2, nextSteps: ['See `fleet --help`.']}}
      expect(validate(failure), file).toBe(true)
      const {nextSteps: _n, ...noSteps} = failure.error
      for (const bad of [{error: noSteps}, {error: {...failure.error, exitCode: 0}}, {...failure, extra: 1}, {error: null}]) expect(validate(bad), `${file} ${JSON.stringify(bad)}`).toBe(false)
    }
  })
})

describe('the check of every --json run (test/harness/json-output.ts)', () => {
  const status = {
    profile: 'honors',
    arch: '6',
    accounts: [
      {
        name: 'lb',
        accountId: '111111111111',
        region: 'ap-northeast-2',
        ok: true,
        error: null,
        instance: {id: 'i-0123456789abcdef0', state: 'running', type: 't2.medium', publicIp: '3.35.0.1', publicDns: null, privateIp: '172.31.0.1', launchTime: '2026-11-20T10:00:00.000Z', autoStopAt: null},
        freeTier: {plan: '750-hours', hoursUsed: 12.5, hoursAllowed: 750},
        extras: [],
      },
    ],
  }

  test('finds the command of an argv', () => {
    expect(commandIdOf(['upstream', 'sync', '--arch', '6', '--json'])).toBe('upstream:sync')
    expect(commandIdOf(['rds-public', 'on', '--json'])).toBe('rds-public')
    expect(commandIdOf(['logs', 'app-1', '--json'])).toBe('logs')
    expect(commandIdOf(['no-such-command', '--json'])).toBeUndefined()
  })

  test('passes a conforming document and fails a renamed or removed field', () => {
    expect(jsonOutputProblems(['status', '--json'], JSON.stringify(status))).toEqual([])
    expect(jsonOutputProblems(['status', '--json'], JSON.stringify({...status, extra: {added: true}}))).toEqual([])
    const [account] = status.accounts
    const {accountId, ...rest} = account!
    const renamed = {...status, accounts: [{...rest, account_id: accountId}]}
    expect(jsonOutputProblems(['status', '--json'], JSON.stringify(renamed)).join()).toMatch(/accounts\/0 must have required property 'accountId'/)
    const {arch: _arch, ...noArch} = status
    expect(jsonOutputProblems(['status', '--json'], JSON.stringify(noArch)).join()).toMatch(/must have required property 'arch'/)
    expect(jsonOutputProblems(['status', '--json'], 'Reading accounts… done\n{}').join()).toMatch(/not one JSON document/)
  })

  test('checks a failure against the failure document, an unknown command included', () => {
    const failure = JSON.stringify({error: {code: 'UnknownCommand', message: 'command nope not found', exitCode: 2, nextSteps: ['`fleet --help` lists the commands.']}})
    expect(jsonOutputProblems(['nope', '--json'], failure)).toEqual([])
    expect(jsonOutputProblems(['status', '--json'], JSON.stringify({error: {code: 'X', message: 'm'}})).join()).toMatch(/failure branch.*exitCode/)
  })
})
