import {readFileSync} from 'node:fs'
import {diffLines} from 'diff'
import {describe, expect, it} from 'vitest'

import {applyNginxSettings} from './apply.js'
import type {NginxSettings} from './types.js'

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'latin1')
const target = {upstream: 'honorsParkingBackend', upstreamInclude: '/etc/nginx/conf.d/fleet-upstream.conf'}
const arch6: NginxSettings = {workerProcesses: 'auto', workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'}
const arch6NoKeepalive: NginxSettings = {workerProcesses: 'auto', workerConnections: 2048}
const plain: NginxSettings = {}

// Fixtures where arch 6 applies (no-proxy and snippet have tests of their own).
const FIXTURES = ['story.conf', 'crlf.conf', 'websocket.conf', 'weird.conf']

describe('applyNginxSettings on the fixtures', () => {
  for (const name of FIXTURES) {
    describe(name, () => {
      const original = fixture(name)

      it('matches the golden output for arch 6', async () => {
        const result = applyNginxSettings(original, target, arch6)
        await expect(result.text).toMatchFileSnapshot(`fixtures/golden/${name.replace('.conf', '')}.arch6.conf`)
      })

      it('is idempotent: a second run changes nothing', () => {
        for (const settings of [arch6, arch6NoKeepalive, plain]) {
          const first = applyNginxSettings(original, target, settings)
          const second = applyNginxSettings(first.text, target, settings, first.foundBefore)
          expect(second.text).toBe(first.text)
          expect(second.changed).toBe(false)
          expect(second.changes).toEqual([])
          expect(second.foundBefore).toEqual(first.foundBefore)
        }
      })

      it('gives back the original bytes, apart from the upstream move, under an arch without nginx settings', () => {
        const moveOnly = applyNginxSettings(original, target, plain)
        expect(moveOnly.foundBefore).toEqual({})
        const six = applyNginxSettings(original, target, arch6)
        const back = applyNginxSettings(six.text, target, plain, six.foundBefore)
        expect(back.text).toBe(moveOnly.text)
        expect(back.foundBefore).toEqual({})
        // and through arch 6 without keep-alive on the way
        const mid = applyNginxSettings(six.text, target, arch6NoKeepalive, six.foundBefore)
        expect(mid.text).not.toMatch(/proxy_.*# fleet/)
        expect(applyNginxSettings(mid.text, target, plain, mid.foundBefore).text).toBe(moveOnly.text)
      })

      it('changes no line other than its own', () => {
        // weird.conf writes a location on one line, which fleet's lines split,
        // and comments the upstream block's end, which goes with the block.
        const split = name === 'weird.conf' ? /^ {8}location \/api \{ proxy_pass http:\/\/honorsParkingBackend\/api\/; ?}?$|^ {8}}$|^ {4}} # end of upstream$/ : /^$/
        const result = applyNginxSettings(original, target, arch6)
        const upstreamBlock = result.movedUpstream ? result.movedUpstream.text.split(/\r?\n/) : []
        for (const part of diffLines(original, result.text)) {
          const lines = part.value.split(/\r?\n/).filter((l) => l !== '')
          if (part.removed) {
            for (const line of lines) {
              const ours = /\bworker_(processes|connections)\b|^ {4}2 {3}# a comment/.test(line) || split.test(line) || upstreamBlock.some((b) => b.trim() !== '' && line.trim() === b.trim())
              expect(ours, `removed line ${JSON.stringify(line)}`).toBe(true)
            }
          }
          if (part.added) {
            for (const line of lines) {
              const ours = /# fleet(:join)?$/.test(line) || split.test(line) || /^\s*worker_processes\s+auto;$|worker_connections\s+2048;|^ {4}auto {3}# a comment/.test(line) || line.includes('include /etc/nginx/conf.d/fleet-upstream.conf;')
              expect(ours, `added line ${JSON.stringify(line)}`).toBe(true)
            }
          }
        }
      })
    })
  }
})

describe('the story config under arch 6', () => {
  const original = fixture('story.conf')
  const result = applyNginxSettings(original, target, arch6)

  it('moves the inline upstream into an include at the same indentation', () => {
    const block = original.slice(original.indexOf('upstream honorsParkingBackend'), original.indexOf('}', original.indexOf('upstream honorsParkingBackend')) + 1)
    const expected = original.replace(block, 'include /etc/nginx/conf.d/fleet-upstream.conf;')
    expect(applyNginxSettings(original, target, plain).text).toBe(expected)
    expect(result.movedUpstream).toMatchObject({name: 'honorsParkingBackend', servers: ['3.35.1.1:8080', '3.35.1.2:8080'], extra: []})
  })

  it('records what it found before changing it', () => {
    expect(result.foundBefore).toEqual({workerProcesses: '1', workerConnections: '1024', workerRlimitNofile: null})
    expect(result.changes.map((c) => c.summary)).toEqual([
      'upstream honorsParkingBackend moved to /etc/nginx/conf.d/fleet-upstream.conf, replaced by "include /etc/nginx/conf.d/fleet-upstream.conf;"',
      'worker_processes 1 -> auto (main)',
      'worker_connections 1024 -> 2048 (events)',
      'worker_rlimit_nofile 4096 added (main)',
      'proxy_http_version 1.1 and proxy_set_header Connection "" added, 4 inherited proxy_set_header copied in (http > server[listen 443 ssl] > location /)',
    ])
    expect(result.warnings).toEqual([])
    expect(result.proxyLocations).toEqual(['http > server[listen 443 ssl] > location /'])
  })

  it('keeps the recorded values across a change of architecture', () => {
    const four = applyNginxSettings(result.text, target, {workerConnections: 1536}, result.foundBefore)
    expect(four.foundBefore).toEqual({workerConnections: '1024', workerRlimitNofile: null})
    expect(four.text).toMatch(/^worker_processes {2}1;$/m)
    expect(four.text).toMatch(/^ {4}worker_connections {2}1536;$/m)
    expect(four.text).toMatch(/^worker_rlimit_nofile 3072; # fleet$/m)
    expect(four.text).not.toContain('proxy_http_version')
  })
})

describe('configs fleet cannot fully handle', () => {
  it('refuses keep-alive when no location proxies to the upstream, and warns without it', () => {
    const text = fixture('no-proxy.conf')
    expect(() => applyNginxSettings(text, target, arch6)).toThrow(/no location with "proxy_pass http:\/\/honorsParkingBackend"/)
    const result = applyNginxSettings(text, target, arch6NoKeepalive)
    expect(result.warnings).toEqual([expect.stringMatching(/no location with "proxy_pass/)])
  })

  it('refuses worker settings in a file without an events block, but does keep-alive there', () => {
    const text = fixture('snippet.conf')
    expect(() => applyNginxSettings(text, target, arch6)).toThrow(expect.objectContaining({code: 'NginxNotMainConfig', exitCode: 2}))
    const result = applyNginxSettings(text, target, {keepalive: 16})
    expect(result.text).toContain('        proxy_pass http://honorsParkingBackend;\n        proxy_http_version 1.1; # fleet\n        proxy_set_header Connection ""; # fleet\n')
    expect(result.warnings).toEqual([expect.stringContaining('main nginx.conf')])
  })

  it('says which upstream it could not find', () => {
    const text = fixture('story.conf')
    expect(() => applyNginxSettings(text, {...target, upstream: 'nope'}, plain)).toThrow(
      expect.objectContaining({code: 'NginxUpstreamNotFound', message: expect.stringContaining('upstream "nope"')}),
    )
  })

  it('rejects settings nginx would not take', () => {
    const text = fixture('story.conf')
    expect(() => applyNginxSettings(text, target, {workerConnections: 0})).toThrow(/workerConnections/)
    expect(() => applyNginxSettings(text, target, {workerProcesses: 1.5})).toThrow(/workerProcesses/)
  })
})
