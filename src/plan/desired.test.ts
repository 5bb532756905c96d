import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {profileFromText} from '../profile/load.js'
import {desiredState} from './desired.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {
  name: 'example',
  file: '/x/example.yaml',
  env: {},
})

describe('desiredState', () => {
  test('architecture 6: the LB resized and running, three apps running as they are', () => {
    expect(desiredState(example, '6')).toEqual([
      {account: 'lb', role: 'lb', state: 'running', type: 't2.medium', ports: []},
      {account: 'app-1', role: 'app', state: 'running', type: null, ports: [8080]},
      {account: 'app-2', role: 'app', state: 'running', type: null, ports: [8080]},
      {account: 'app-3', role: 'app', state: 'running', type: null, ports: [8080]},
    ])
  })

  test('architecture 1: the LB also runs an app, app-1 two containers, the others stop', () => {
    expect(desiredState(example, '1')).toEqual([
      {account: 'lb', role: 'lb+app', state: 'running', type: 't2.medium', ports: [8080]},
      {account: 'app-1', role: 'app', state: 'running', type: null, ports: [8080, 8081]},
      {account: 'app-2', role: 'idle', state: 'stopped', type: null, ports: []},
      {account: 'app-3', role: 'idle', state: 'stopped', type: null, ports: []},
    ])
  })

  test('architecture 2: one app, two idle accounts stopped', () => {
    const roles = desiredState(example, '2').map((d) => `${d.account}:${d.role}:${d.state}:${d.type ?? '-'}`)
    expect(roles).toEqual(['lb:lb:running:t2.micro', 'app-1:app:running:-', 'app-2:idle:stopped:-', 'app-3:idle:stopped:-'])
  })

  test('an architecture without an lb type leaves the LB type alone; apps.port is the default port', () => {
    const text = `region: us-east-1
hub: {}
accounts:
  lb: {accountId: "111111111111", roleArn: "arn:aws:iam::111111111111:role/R", instance: {id: i-0123456789abcdef0}}
  a: {accountId: "222222222222", roleArn: "arn:aws:iam::222222222222:role/R", instance: {id: i-0123456789abcdef1}}
nginx: {on: lb, upstream: u}
apps: {port: 9000}
architectures:
  x: {apps: [a]}
`
    const profile = profileFromText(text, {name: 'p', file: '/x/p.yaml', env: {}})
    expect(desiredState(profile, 'x')).toEqual([
      {account: 'lb', role: 'lb', state: 'running', type: null, ports: []},
      {account: 'a', role: 'app', state: 'running', type: null, ports: [9000]},
    ])
  })

  test('an unknown architecture is a usage error', () => {
    expect(() => desiredState(example, '7')).toThrowError(/no architecture `7`.*Known: 1, 2, 3, 4-1, 4-2, 5, 6/)
  })
})
