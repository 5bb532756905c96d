import {describe, expect, it} from 'vitest'

import {moveInlineUpstream} from './upstream-move.js'

const INCLUDE = '/etc/nginx/conf.d/fleet-upstream.conf'

describe('moveInlineUpstream', () => {
  it('replaces the inline block with an include at the same place', () => {
    const text = 'http {\r\n\tupstream app {\r\n\t\tserver 1.1.1.1:80;\r\n\t}\r\n\tserver {}\r\n}\r\n'
    const result = moveInlineUpstream(text, 'app', INCLUDE)
    expect(result.text).toBe(`http {\r\n\tinclude ${INCLUDE};\r\n\tserver {}\r\n}\r\n`)
    expect(result.moved).toMatchObject({name: 'app', servers: ['1.1.1.1:80'], text: 'upstream app {\r\n\t\tserver 1.1.1.1:80;\r\n\t}'})
    expect(result.changes[0]).toMatchObject({action: 'move-upstream', where: 'http'})
  })

  it('quotes an include path nginx would misread', () => {
    const result = moveInlineUpstream('http { upstream app { server 1.1.1.1:80; } }', 'app', '/etc/my nginx/up;stream.conf')
    expect(result.text).toBe('http { include "/etc/my nginx/up;stream.conf"; }')
  })

  it('only removes the block when an include (glob or relative) already loads the upstream file', () => {
    for (const include of ['/etc/nginx/conf.d/*.conf', 'conf.d/*.conf', '/etc/nginx/conf.d/fleet-upstream.conf', '/etc/nginx/conf.d/fleet-[a-z]*.conf']) {
      const text = `http {\n    include ${include};\n    upstream app {\n        server 1.1.1.1:80;\n    }\n}\n`
      expect(moveInlineUpstream(text, 'app', INCLUDE).text, include).toBe(`http {\n    include ${include};\n}\n`)
    }
    const unrelated = 'http {\n    include /etc/nginx/sites-enabled/*;\n    upstream app { server 1.1.1.1:80; }\n}\n'
    expect(moveInlineUpstream(unrelated, 'app', INCLUDE).text).toContain(`include ${INCLUDE};`)
  })

  it('changes nothing when the upstream file is already included', () => {
    const text = `http {\n    include ${INCLUDE};\n}\n`
    expect(moveInlineUpstream(text, 'app', INCLUDE)).toEqual({text, changes: [], warnings: [], moved: null})
  })

  it('says when the upstream is nowhere, or defined twice', () => {
    expect(() => moveInlineUpstream('http { upstream other { server 1.1.1.1:80; } }', 'app', INCLUDE, '/home/u/nginx.conf')).toThrow(
      expect.objectContaining({code: 'NginxUpstreamNotFound', message: `/home/u/nginx.conf has no upstream "app" and does not include ${INCLUDE}`}),
    )
    expect(() => moveInlineUpstream('upstream app { server 1.1.1.1:80; }\nupstream APP { server 1.1.1.1:80; }', 'app', INCLUDE)).toThrow(
      expect.objectContaining({code: 'NginxDuplicateUpstream'}),
    )
  })

  it('warns about server parameters it does not carry over', () => {
    const result = moveInlineUpstream('upstream app { least_conn; server 1.1.1.1:80 weight=2; }', 'app', INCLUDE)
    expect(result.moved?.extra).toEqual(['least_conn;'])
    expect(result.warnings).toEqual([expect.stringContaining('"server 1.1.1.1:80 weight=2;" are not carried over')])
  })
})
