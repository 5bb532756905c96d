import {describe, expect, it} from 'vitest'

import {applyKeepalive} from './keepalive.js'

const on = (text: string) => applyKeepalive(text, 'app', true)

describe('applyKeepalive: nginx proxy_set_header inheritance', () => {
  it('copies the server-level headers into a location that sets none, then adds Connection', () => {
    const text = [
      'http {',
      '    proxy_set_header X-Http 1;',
      '    server {',
      '        proxy_set_header Host $host;',
      '        proxy_set_header X-Quoted "a b";',
      '        location / {',
      '            proxy_pass http://app/;',
      '        }',
      '    }',
      '}',
      '',
    ].join('\n')
    expect(on(text).text).toContain([
      '            proxy_pass http://app/;',
      '            proxy_http_version 1.1; # fleet',
      '            proxy_set_header Host $host; # fleet',
      '            proxy_set_header X-Quoted "a b"; # fleet',
      '            proxy_set_header Connection ""; # fleet',
      '        }',
    ].join('\n'))
    expect(on(text).text).not.toContain('X-Http 1; # fleet')
  })

  it('falls back to the http level when the server sets none', () => {
    const text = 'http {\n  proxy_set_header X-Http 1;\n  server {\n    location / {\n      proxy_pass https://APP;\n    }\n  }\n}\n'
    expect(on(text).text).toContain('      proxy_set_header X-Http 1; # fleet\n      proxy_set_header Connection ""; # fleet\n')
  })

  it('copies nothing into a location with headers of its own (they replace the outer ones)', () => {
    const text = 'server {\n  proxy_set_header X-Outer 1;\n  location / {\n    proxy_set_header X-Own 1;\n    proxy_pass http://app;\n  }\n}\n'
    const out = on(text).text
    expect(out).not.toContain('X-Outer 1; # fleet')
    expect(out).toContain('    proxy_pass http://app;\n    proxy_http_version 1.1; # fleet\n    proxy_set_header Connection ""; # fleet\n')
  })

  it('takes a nested location\'s headers from the nearest outer location that sets any', () => {
    const text = 'server {\n  proxy_set_header A 1;\n  location /a/ {\n    proxy_set_header B 2;\n    location /a/b/ {\n      proxy_pass http://app;\n    }\n  }\n}\n'
    const out = on(text).text
    expect(out).toContain('      proxy_set_header B 2; # fleet\n')
    expect(out).not.toContain('A 1; # fleet')
  })

  it('edits the location around an `if` that proxies (proxy_set_header is not allowed in `if`)', () => {
    const text = 'server {\n  location / {\n    if ($x) {\n      proxy_pass http://app;\n    }\n  }\n}\n'
    expect(on(text).text).toBe('server {\n  location / {\n    proxy_http_version 1.1; # fleet\n    proxy_set_header Connection ""; # fleet\n    if ($x) {\n      proxy_pass http://app;\n    }\n  }\n}\n')
  })

  it('ignores other upstreams and lookalike names', () => {
    const text = 'server {\n  location / { proxy_pass http://app2; }\n  location /b { proxy_pass http://$app; }\n  location /c { proxy_pass http://other/app; }\n}\n'
    expect(() => on(text)).toThrow(expect.objectContaining({code: 'NginxNoProxyLocation'}))
    expect(applyKeepalive(text, 'app', false).text).toBe(text)
  })

  it('leaves a WebSocket location alone, with a warning', () => {
    const text = 'server {\n  location /ws {\n    proxy_pass http://app;\n    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header connection $connection_upgrade;\n  }\n}\n'
    const result = on(text)
    expect(result.text).toBe(text)
    expect(result.warnings).toEqual([expect.stringMatching(/location \/ws sets its own Connection header.*WebSocket/)])
  })

  it('leaves alone a location that would inherit a Connection header', () => {
    const text = 'server {\n  proxy_set_header Connection $connection_upgrade;\n  location / {\n    proxy_pass http://app;\n  }\n}\n'
    const result = on(text)
    expect(result.text).toBe(text)
    expect(result.warnings).toEqual([expect.stringContaining('inherits a Connection header from server')])
  })

  it('adds only what is missing when the user prepared keep-alive by hand', () => {
    const done = 'location / {\n    proxy_pass http://app;\n    proxy_http_version 1.1;\n    proxy_set_header Connection "";\n}\n'
    expect(on(done)).toEqual({text: done, changes: [], warnings: []})
    const half = 'location / {\n    proxy_pass http://app;\n    proxy_set_header Connection "";\n}\n'
    expect(on(half).text).toBe('location / {\n    proxy_pass http://app;\n    proxy_http_version 1.1; # fleet\n    proxy_set_header Connection "";\n}\n')
  })

  it('does not touch a location pinned to HTTP/1.0', () => {
    const text = 'location / {\n    proxy_pass http://app;\n    proxy_http_version 1.0;\n}\n'
    expect(on(text).text).toBe(text)
    expect(on(text).warnings).toEqual([expect.stringContaining('proxy_http_version 1.0')])
  })

  it('warns that it cannot see inside an include in the location', () => {
    const text = 'server {\n  proxy_set_header A 1;\n  location / {\n    include proxy_params;\n    proxy_pass http://app;\n  }\n}\n'
    const result = on(text)
    expect(result.text).not.toContain('A 1; # fleet')
    expect(result.warnings).toEqual([expect.stringContaining('includes a file fleet cannot see')])
  })

  it('follows a header the user added at server level after the last sync', () => {
    const text = 'server {\n  proxy_set_header A 1;\n  location / {\n    proxy_pass http://app;\n  }\n}\n'
    const first = on(text).text
    const edited = first.replace('  proxy_set_header A 1;\n', '  proxy_set_header A 1;\n  proxy_set_header B 2;\n')
    const second = on(edited)
    expect(second.text).toContain('    proxy_set_header A 1; # fleet\n    proxy_set_header B 2; # fleet\n    proxy_set_header Connection ""; # fleet\n')
    expect(applyKeepalive(second.text, 'app', false).text).toBe(edited.replace(/ *proxy_\S+ [^\n]*# fleet\n/g, ''))
  })

  it('reports removals when keep-alive goes off', () => {
    const text = 'location / {\n    proxy_pass http://app;\n}\n'
    const off = applyKeepalive(on(text).text, 'app', false)
    expect(off.text).toBe(text)
    expect(off.changes).toEqual([expect.objectContaining({action: 'remove-keepalive', where: 'location /'})])
  })
})
