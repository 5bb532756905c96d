import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {profileFromText} from '../profile/load.js'
import {logSources, type SourceRequest} from './sources.js'

const text = readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8')
const example = profileFromText(text, {name: 'example', file: '/x/example.yaml', env: {}})
const request = (over: Partial<SourceRequest> = {}): SourceRequest => ({
  names: [],
  lb: false,
  appServers: ['app-1', 'app-2', 'app-3'],
  since: '10m',
  follow: false,
  ...over,
})
const brief = (plan: ReturnType<typeof logSources>) => plan.sources.map((s) => `${s.label}:${s.kind}`)

describe('logSources', () => {
  test('every app server runs apps.logs; --lb adds nginx.logs on nginx.on', () => {
    const plan = logSources(example, request({lb: true, follow: true}))
    expect(brief(plan)).toEqual(['app-1:app', 'app-2:app', 'app-3:app', 'lb:nginx'])
    expect(plan.sources[0]?.command).toBe('docker compose -f /home/ec2-user/app/compose.yml logs --no-color --timestamps --since 10m -f')
    expect(plan.sources[3]?.command).toBe('docker logs --since 10m -f nginx')
    expect(plan.warnings).toEqual([])
  })

  test('named accounts only, once each; naming the LB means its nginx unless it is an app server', () => {
    expect(brief(logSources(example, request({names: ['app-2', 'app-2', 'lb']})))).toEqual(['app-2:app', 'lb:nginx'])
    // Architecture 1: the LB host runs an app as well; --lb then labels nginx apart.
    expect(brief(logSources(example, request({names: ['lb'], lb: true, appServers: ['lb', 'app-1']})))).toEqual(['lb:app', 'lb/nginx:nginx'])
  })

  test('an unknown name is bad usage listing the accounts', () => {
    expect(() => logSources(example, request({names: ['app-9']}))).toThrow(
      expect.objectContaining({code: 'UnknownAccount', exitCode: 2, message: expect.stringContaining('lb, app-1, app-2, app-3')}),
    )
  })

  test('no apps.logs is bad usage, unless only nginx is asked for', () => {
    const noLogs = profileFromText(text.replace(/^ {2}logs: docker compose.*$/m, ''), {name: 'x', file: '/x/x.yaml', env: {}})
    expect(() => logSources(noLogs, request())).toThrow(expect.objectContaining({code: 'MissingAppsLogs', exitCode: 2, message: expect.stringContaining('no apps.logs')}))
    expect(brief(logSources(noLogs, request({names: ['lb']})))).toEqual(['lb:nginx'])
  })

  test('--follow with a template that has no {follow} warns', () => {
    const noFollow = profileFromText(text.replace('--since {since} {follow}\n', '--since {since}\n'), {name: 'x', file: '/x/x.yaml', env: {}})
    expect(logSources(noFollow, request({follow: true})).warnings).toEqual([expect.stringContaining('apps.logs has no {follow}')])
  })
})
