import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {unifiedDiff} from '../text/diff.js'
import {compareServers, planNginxFiles} from './sync-plan.js'

const story = readFileSync(new URL('fixtures/story.conf', import.meta.url), 'latin1')
const target = {upstream: 'honorsParkingBackend', upstreamInclude: '/etc/nginx/conf.d/fleet-upstream.conf'}
const servers = ['3.35.1.1:8080', '3.35.1.2:8080', '3.35.1.3:8080']
const arch6 = {workerProcesses: 'auto' as const, workerConnections: 2048, keepalive: 64, keepaliveTimeout: '15s'}

describe('planNginxFiles', () => {
  it('plans the story\'s first sync to arch 6, and the diff --dry-run shows', async () => {
    const plan = planNginxFiles({config: story, upstreamFile: null, target, settings: arch6, servers})
    expect(plan).toMatchObject({changed: true, upstreamChanged: true})
    const diff = unifiedDiff('/home/ec2-user/nginx/nginx.conf', story, plan.config.text) +
      unifiedDiff('/home/ec2-user/nginx/conf.d/fleet-upstream.conf', '', plan.upstreamFile)
    await expect(diff).toMatchFileSnapshot('fixtures/golden/story.arch6.diff')
  })

  it('changes nothing on a second sync with nothing new', () => {
    const first = planNginxFiles({config: story, upstreamFile: null, target, settings: arch6, servers})
    const second = planNginxFiles({
      config: first.config.text, upstreamFile: first.upstreamFile, target, settings: arch6, servers, foundBefore: first.config.foundBefore,
    })
    expect(second).toMatchObject({changed: false, upstreamChanged: false})
    expect(second.config.changed).toBe(false)
  })

  it('carries the upstream block\'s extra directives from the inline block, then from the upstream file', () => {
    const config = story.replace('upstream honorsParkingBackend {\n', 'upstream honorsParkingBackend {\n        least_conn;\n')
    const first = planNginxFiles({config, upstreamFile: null, target, settings: {}, servers})
    expect(first.upstreamFile).toContain('    least_conn;\n')
    const later = planNginxFiles({config: first.config.text, upstreamFile: first.upstreamFile, target, settings: {keepalive: 8}, servers: servers.slice(0, 1)})
    expect(later.upstreamFile).toContain('    least_conn;\n    server 3.35.1.1:8080;\n    keepalive 8;\n')
  })

  it('refuses an empty upstream before anything is written', () => {
    expect(() => planNginxFiles({config: story, upstreamFile: null, target, settings: arch6, servers: []})).toThrow(/never writes an empty upstream/)
  })
})

describe('compareServers', () => {
  it('lists what is missing and what is stale', () => {
    expect(compareServers(['a:1', 'b:1'], ['b:1', 'c:1'])).toEqual({missing: ['c:1'], stale: ['a:1'], same: false})
    expect(compareServers(['b:1', 'a:1'], ['a:1', 'b:1']).same).toBe(true)
  })
})

describe('a user\'s own keep-alive in the inline upstream', () => {
  const withKeepalive = story.replace('upstream honorsParkingBackend {\n', 'upstream honorsParkingBackend {\n        keepalive 32;\n')

  it('is said to be replaced when the architecture sets another', () => {
    const plan = planNginxFiles({config: withKeepalive, upstreamFile: null, target, settings: arch6, servers})
    expect(plan.config.warnings).toContain("upstream honorsParkingBackend: its own keepalive 32 is replaced by the architecture's keepalive 64, keepalive_timeout 15s")
  })

  it('is said to be dropped when the architecture sets none', () => {
    const plan = planNginxFiles({config: withKeepalive, upstreamFile: null, target, settings: {}, servers})
    expect(plan.config.warnings.some((w) => /its own keepalive 32 is dropped/.test(w))).toBe(true)
    expect(plan.upstreamFile).not.toContain('keepalive')
  })

  it('brings no warning when the upstream had none', () => {
    const plan = planNginxFiles({config: story, upstreamFile: null, target, settings: arch6, servers})
    expect(plan.config.warnings.filter((w) => /keepalive/.test(w))).toEqual([])
  })
})
