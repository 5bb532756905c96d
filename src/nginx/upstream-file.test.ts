import {describe, expect, it} from 'vitest'

import {dumpHasUpstream, parseUpstream, parseUpstreamServers, renderUpstreamFile, upstreamsInDump, validateServer} from './upstream-file.js'

describe('renderUpstreamFile', () => {
  it('writes the upstream with keep-alive exactly when keepalive is set', async () => {
    const withKeepalive = renderUpstreamFile('honorsParkingBackend', ['3.35.1.1:8080', '3.35.1.2:8080', '3.35.1.3:8080'], {keepalive: 64})
    await expect(withKeepalive).toMatchFileSnapshot('fixtures/golden/upstream-keepalive.conf')
    const without = renderUpstreamFile('honorsParkingBackend', ['3.35.1.1:8080'])
    expect(without).not.toMatch(/keepalive/)
    expect(without).toMatch(/^# Written by fleet/)
    expect(renderUpstreamFile('b', ['10.0.0.1:80'], {keepalive: 8, keepaliveTimeout: '9s'})).toContain('    keepalive 8;\n    keepalive_timeout 9s;\n}\n')
  })

  it('never writes an empty upstream', () => {
    expect(() => renderUpstreamFile('b', [])).toThrow(expect.objectContaining({code: 'EmptyUpstream', exitCode: 2}))
  })

  it('keeps extra directives of the user\'s block and drops duplicate servers', () => {
    const text = renderUpstreamFile('b', ['10.0.0.1:80', '10.0.0.1:80', '[::1]:8080'], {extra: ['least_conn;']})
    expect(text).toContain('upstream b {\n    least_conn;\n    server 10.0.0.1:80;\n    server [::1]:8080;\n}\n')
    expect(() => renderUpstreamFile('b', ['10.0.0.1:80'], {extra: ['server 1.2.3.4:1;']})).toThrow(/not one extra upstream directive/)
    expect(() => renderUpstreamFile('b', ['10.0.0.1:80'], {extra: ['a; b;']})).toThrow(/not one extra/)
  })

  it('rejects bad names, servers and settings', () => {
    expect(() => renderUpstreamFile('a b', ['10.0.0.1:80'])).toThrow(/not an nginx upstream name/)
    for (const bad of ['10.0.0.1', '10.0.0.1:0', '10.0.0.1:65536', '300.1.1.1:80', 'host:80', '::1:80', '10.0.0.1:80;', ' 10.0.0.1:80']) {
      expect(() => validateServer(bad), bad).toThrow(expect.objectContaining({code: 'NginxBadServer'}))
    }
    expect(validateServer('[2001:db8::1]:443')).toBe('[2001:db8::1]:443')
    expect(() => renderUpstreamFile('b', ['10.0.0.1:80'], {keepalive: 0})).toThrow(/keepalive/)
    expect(() => renderUpstreamFile('b', ['10.0.0.1:80'], {keepalive: 4, keepaliveTimeout: '15 s'})).toThrow(/keepaliveTimeout/)
  })
})

describe('parseUpstream', () => {
  it('reads back what renderUpstreamFile wrote', () => {
    const text = renderUpstreamFile('Backend', ['10.0.0.1:80', '10.0.0.2:80'], {keepalive: 32, extra: ['zone backend 64k;']})
    expect(parseUpstream(text, 'backend')).toEqual({
      name: 'Backend', servers: ['10.0.0.1:80', '10.0.0.2:80'], keepalive: 32, keepaliveTimeout: '15s', extra: ['zone backend 64k;'],
    })
    expect(parseUpstreamServers(text, 'other')).toBeNull()
  })

  it('finds an upstream inside a whole nginx.conf', () => {
    const text = 'http {\n  upstream a { server 1.1.1.1:1; }\n  upstream b {\n    server 2.2.2.2:2 weight=3;\n  }\n}\n'
    expect(parseUpstreamServers(text, 'b')).toEqual(['2.2.2.2:2'])
  })
})

describe('the nginx -T dump', () => {
  const dump = [
    '# configuration file /etc/nginx/nginx.conf:',
    'events {}',
    'http { include /etc/nginx/conf.d/*.conf; }',
    '',
    '# configuration file /etc/nginx/conf.d/fleet-upstream.conf:',
    renderUpstreamFile('honorsParkingBackend', ['10.0.0.1:8080', '10.0.0.2:8080'], {keepalive: 64}),
    '# configuration file /etc/nginx/conf.d/lua.conf:',
    'content_by_lua_block { ngx.say("}") }',
    '',
  ].join('\n')

  it('holds the upstream with exactly the servers written', () => {
    expect(upstreamsInDump(dump, 'honorsParkingBackend')).toEqual([expect.objectContaining({file: '/etc/nginx/conf.d/fleet-upstream.conf', keepalive: 64})])
    expect(dumpHasUpstream(dump, 'honorsParkingBackend', ['10.0.0.2:8080', '10.0.0.1:8080'])).toBe(true)
    expect(dumpHasUpstream(dump, 'honorsParkingBackend', ['10.0.0.1:8080'])).toBe(false)
    expect(dumpHasUpstream(dump, 'honorsParkingBackend', ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.3:8080'])).toBe(false)
    expect(dumpHasUpstream(dump, 'other', ['10.0.0.1:8080'])).toBe(false)
    expect(dumpHasUpstream('', 'honorsParkingBackend', ['10.0.0.1:8080'])).toBe(false)
  })

  it('is not fooled by a stale copy of the upstream left inline', () => {
    const stale = `${dump}# configuration file /etc/nginx/old.conf:\nupstream honorsParkingBackend { server 10.0.0.1:8080; server 10.0.0.2:8080; }\n`
    expect(dumpHasUpstream(stale, 'honorsParkingBackend', ['10.0.0.1:8080', '10.0.0.2:8080'])).toBe(false)
  })
})
