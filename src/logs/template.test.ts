import {describe, expect, test} from 'vitest'

import {canFollow, checkSince, renderLogsCommand} from './template.js'

describe('renderLogsCommand', () => {
  const compose = 'docker compose -f /app/compose.yml logs --no-color --since {since} {follow}'

  test('{since} as given, {follow} as -f only with --follow', () => {
    expect(renderLogsCommand(compose, {since: '10m', follow: true})).toBe('docker compose -f /app/compose.yml logs --no-color --since 10m -f')
    expect(renderLogsCommand(compose, {since: '1h30m', follow: false})).toBe('docker compose -f /app/compose.yml logs --no-color --since 1h30m ')
  })

  test('the default nginx template has no {since}: tail -n 200, following with -f', () => {
    const tail = 'sudo tail -n 200 {follow} /var/log/nginx/*.log'
    expect(renderLogsCommand(tail, {since: '10m', follow: true})).toBe('sudo tail -n 200 -f /var/log/nginx/*.log')
    expect(canFollow(tail)).toBe(true)
    expect(canFollow('cat /var/log/app.log')).toBe(false)
  })

  test('--since takes durations and timestamps, nothing a shell would interpret', () => {
    for (const ok of ['10m', '90s', '1h30m', '2026-05-01T10:00:00Z', '2026-05-01T10:00:00+09:00', '1714557600']) expect(checkSince(ok)).toBe(ok)
    for (const bad of ['', '10m; rm -rf /', '$(id)', '10 m', '`id`', '-1h']) {
      expect(() => checkSince(bad)).toThrow(expect.objectContaining({code: 'BadSince', exitCode: 2}))
    }
  })
})
