import {describe, expect, it} from 'vitest'

import type {NginxFoundBefore} from './types.js'
import {applyWorkerSettings} from './workers.js'

describe('applyWorkerSettings', () => {
  it('replaces values in place and records what was there', () => {
    const found: NginxFoundBefore = {}
    const text = 'worker_processes 1;\nevents {\n    worker_connections 1024;\n}\n'
    const result = applyWorkerSettings(text, {workerProcesses: 4, workerConnections: 2048}, found)
    expect(result.text).toBe('worker_processes 4;\nworker_rlimit_nofile 4096; # fleet\nevents {\n    worker_connections 2048;\n}\n')
    expect(found).toEqual({workerProcesses: '1', workerConnections: '1024', workerRlimitNofile: null})
  })

  it('inserts where nginx.conf usually has them, indented like their neighbours', () => {
    const found: NginxFoundBefore = {}
    const text = '# top\nuser www-data;\npid /run/nginx.pid;\nevents {\n\tuse epoll;\n}\n'
    const result = applyWorkerSettings(text, {workerProcesses: 'auto', workerConnections: 768}, found)
    expect(result.text).toBe(
      '# top\nuser www-data;\nworker_processes auto; # fleet\nworker_rlimit_nofile 1536; # fleet\npid /run/nginx.pid;\nevents {\n\tworker_connections 768; # fleet\n\tuse epoll;\n}\n',
    )
    expect(applyWorkerSettings(result.text, {}, found).text).toBe(text)
    expect(found).toEqual({})
  })

  it('inserts before the first directive when there is no user line, and into an empty events block', () => {
    const text = '# header\n\nerror_log stderr;\nevents {}\n'
    const found: NginxFoundBefore = {}
    const result = applyWorkerSettings(text, {workerProcesses: 2, workerConnections: 100}, found)
    expect(result.text).toBe('# header\n\nworker_processes 2; # fleet\nworker_rlimit_nofile 200; # fleet\nerror_log stderr;\nevents {\n    worker_connections 100; # fleet:join\n}\n')
    expect(applyWorkerSettings(result.text, {}, found).text).toBe(text)
  })

  it('never lowers a worker_rlimit_nofile the user had set higher', () => {
    const text = 'worker_rlimit_nofile 65535;\nevents { worker_connections 512; }\n'
    const found: NginxFoundBefore = {}
    const result = applyWorkerSettings(text, {workerConnections: 2048}, found)
    expect(result.text).toBe('worker_rlimit_nofile 65535;\nevents { worker_connections 2048; }\n')
    expect(found).toEqual({workerConnections: '512'})
  })

  it('records nothing when the value is already right', () => {
    const found: NginxFoundBefore = {}
    const result = applyWorkerSettings('worker_processes auto;\nevents {}\n', {workerProcesses: 'auto'}, found)
    expect(result.changes).toEqual([])
    expect(found).toEqual({})
  })

  it('leaves alone, with a warning, a line it would remove but did not mark', () => {
    const found: NginxFoundBefore = {workerRlimitNofile: null}
    const result = applyWorkerSettings('worker_rlimit_nofile 9000;\nevents {}\n', {}, found)
    expect(result.text).toBe('worker_rlimit_nofile 9000;\nevents {}\n')
    expect(result.warnings).toEqual([expect.stringContaining('has no "# fleet" mark')])
    expect(found).toEqual({})
  })

  it('keeps the last line of a file without a final break exact', () => {
    const text = 'events {}\nuser root;'
    const found: NginxFoundBefore = {}
    const result = applyWorkerSettings(text, {workerProcesses: 3}, found)
    expect(result.text).toBe('events {}\nuser root;\nworker_processes 3; # fleet')
    expect(applyWorkerSettings(result.text, {}, found).text).toBe(text)
  })

  it('refuses to set workers in a file that is not the main config', () => {
    expect(() => applyWorkerSettings('server { listen 80; }\n', {workerConnections: 10}, {})).toThrow(/has no events block/)
    expect(applyWorkerSettings('server { listen 80; }\n', {}, {}).changes).toEqual([])
  })
})
