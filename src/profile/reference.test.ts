import {describe, expect, it} from 'vitest'

import {referenceRows, referenceTable} from './reference.js'

const schema = {
  type: 'object',
  required: ['accounts'],
  properties: {
    mode: {type: 'string', enum: ['a', 'b'], default: 'a', description: 'which  one\n(two lines)'},
    accounts: {
      type: 'object',
      additionalProperties: {type: 'object', required: ['id'], properties: {id: {type: 'string'}, port: {type: 'integer', minimum: 1, maximum: 65535}}},
    },
    apps: {type: 'array', items: {anyOf: [{type: 'string'}, {type: 'object', properties: {ports: {type: 'array', items: {type: 'integer'}}}}]}},
    when: {anyOf: [{const: 'auto'}, {type: 'integer'}]},
  },
}

describe('the profile reference', () => {
  it('lists every key with its type, default and description, maps as NAME, array items as []', () => {
    expect(referenceRows(schema)).toEqual([
      {key: 'mode', type: 'a | b', default: '`a`', description: 'which one (two lines)'},
      {key: 'accounts', type: 'map of object', default: '**required**', description: ''},
      {key: 'accounts.NAME.id', type: 'string', default: '**required**', description: ''},
      {key: 'accounts.NAME.port', type: 'integer 1-65535', default: '', description: ''},
      {key: 'apps', type: 'list of string or object', default: '', description: ''},
      {key: 'apps[].ports', type: 'list of integer', default: '', description: ''},
      {key: 'when', type: '"auto" or integer', default: '', description: ''},
    ])
  })

  it('is a markdown table whose cells keep their pipes escaped', () => {
    expect(referenceTable(schema).split('\n').slice(0, 3)).toEqual(['| key | type | default | description |', '|---|---|---|---|', '| `mode` | a \\| b | `a` | which one (two lines) |'])
  })
})
