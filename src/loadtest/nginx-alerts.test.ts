import {describe, expect, test} from 'vitest'

import {alertCheckCommand, lineTime, matchWorkerConnectionAlerts} from './nginx-alerts.js'

const since = new Date('2026-11-30T07:10:00.400Z')

describe('worker_connections alerts', () => {
  const log = [
    '2026/11/30 07:05:12 [alert] 31#31: 1024 worker_connections are not enough',
    '2026/11/30 07:09:59 [notice] 1#1: signal process started',
    '10.0.0.5 - - [30/Nov/2026:07:10:01 +0000] "GET / HTTP/1.1" 200 12',
    '2026/11/30 07:10:00 [alert] 31#31: *10533 1024 worker_connections are not enough while connecting to upstream, client: 3.3.3.3',
    '2026/11/30 07:10:03 [alert] 32#32: 1024 worker_connections are not enough',
  ]

  test('keeps the alerts of the step only (nginx times have whole seconds)', () => {
    expect(matchWorkerConnectionAlerts(log, since)).toEqual({
      count: 2,
      first: '2026/11/30 07:10:00 [alert] 31#31: *10533 1024 worker_connections are not enough while connecting to upstream, client: 3.3.3.3',
    })
    expect(matchWorkerConnectionAlerts(log.slice(0, 3), since)).toEqual({count: 0, first: null})
  })

  test('nginx writes local time: a host at UTC+9 is read with its offset', () => {
    const seoul = ['2026/11/30 16:10:05 [alert] 31#31: 1024 worker_connections are not enough']
    expect(matchWorkerConnectionAlerts(seoul, since, 9 * 60).count).toBe(1)
    expect(matchWorkerConnectionAlerts(['2026/11/30 16:09:05 [alert] 1024 worker_connections are not enough'], since, 9 * 60).count).toBe(0)
  })

  test('docker logs --timestamps prefixes win over nginx\'s own time; a line with no time counts', () => {
    expect(lineTime('2026-11-30T07:10:02.123456789Z 2026/11/30 16:10:02 [alert] x')).toBe(Date.parse('2026-11-30T07:10:02.123Z'))
    expect(matchWorkerConnectionAlerts(['worker_connections are not enough'], since).count).toBe(1)
  })

  test('the check command: the nginx.logs template without follow, stderr in, filtered on the host', () => {
    expect(alertCheckCommand('docker logs --since {since} {follow} nginx', since)).toBe(
      "{ docker logs --since 2026-11-30T07:10:00Z  nginx ; } 2>&1 | grep -F -e 'worker_connections are not enough' ; true",
    )
    expect(alertCheckCommand('sudo tail -n 200 {follow} /var/log/nginx/*.log', since)).toBe(
      "{ sudo tail -n 200  /var/log/nginx/*.log ; } 2>&1 | grep -F -e 'worker_connections are not enough' ; true",
    )
  })
})
