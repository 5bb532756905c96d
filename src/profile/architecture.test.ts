import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {archRow, formatNginx} from './arch-format.js'
import {listArchitectures} from './architecture.js'
import {profileFromText} from './load.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {
  name: 'example',
  file: '/x/example.yaml',
  env: {},
})

describe('listArchitectures', () => {
  test('normalizes apps to {account, ports} and keeps file order', () => {
    const views = listArchitectures(example)
    expect(views.map((v) => v.id)).toEqual(['1', '2', '3', '4-1', '4-2', '5', '6'])
    expect(views[0]).toMatchObject({
      id: '1',
      lb: {account: 'lb', instanceType: 't2.medium'},
      apps: [
        {account: 'lb', ports: [8080]},
        {account: 'app-1', ports: [8080, 8081]},
      ],
      nginx: {},
      rdsPublic: false,
    })
    expect(views[0]!.description).toMatch(/1100 users, 500-510 RPS/)
    expect(views[6]).toMatchObject({id: '6', nginx: {keepalive: 64, workerConnections: 2048}, rdsPublic: true})
  })

  test('table rows say "as found" for nginx settings left alone', () => {
    const [one, , , , , , six] = listArchitectures(example).map(archRow)
    expect(one!.slice(0, 6)).toEqual(['1', 't2.medium', '2', 'lb:8080, app-1:8080+8081', 'as found', 'off'])
    expect(six!.slice(0, 6)).toEqual(['6', 't2.medium', '3', 'app-1:8080, app-2:8080, app-3:8080', 'workers auto, 2048 connections, keepalive 64 (15s)', 'on'])
    expect(formatNginx({keepaliveTimeout: '10s'})).toMatch(/unused without keepalive/)
  })
})
