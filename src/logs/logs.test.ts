/**
 * readLogs with AWS and SSH replaced by fakes: outcomes, grep, Ctrl-C. The
 * real thing (moto, sshd, the built CLI) is in test/logs.test.ts.
 */
import type {Instance} from '@aws-sdk/client-ec2'
import {describe, expect, test} from 'vitest'

import {ExternalError} from '../errors.js'
import {profileFromText} from '../profile/load.js'
import type {RemoteShell, RemoteStream, StreamEnd, StreamOptions} from '../remote/types.js'
import {KnownHosts} from '../remote/known-hosts.js'
import {type LogsDeps, readLogs} from './logs.js'
import type {LogSource} from './sources.js'

const profile = profileFromText(
  `region: us-east-1
hub: {source: env}
accounts:
${['app-1', 'app-2', 'app-3']
  .map((name, i) => `  ${name}: {accountId: "00000000000${i}", roleArn: "arn:aws:iam::00000000000${i}:role/R", instance: {tag: {fleet: ${name}}}}`)
  .join('\n')}
`,
  {name: 't', file: '/t.yaml', env: {}},
)

const source = (account: string): LogSource => ({account, kind: 'app', label: account, command: `logs ${account}`})

/** A host whose command prints `lines`, then ends with `code`, or runs until stopped when `code` is 'forever'. */
type Script = {lines: string[]; code: number | 'forever'; state?: string}

function fakes(scripts: Record<string, Script>) {
  const stopped: string[] = []
  const provider: LogsDeps['provider'] = {
    forAccount: async (account) =>
      ({
        ec2: async () => ({
          describeInstances: async (): Promise<Instance[]> => [
            {InstanceId: `i-${account.name}`, State: {Name: (scripts[account.name]?.state ?? 'running') as 'running'}, Tags: [{Key: 'fleet', Value: account.name}], PublicIpAddress: '192.0.2.1'},
          ],
        }),
      }) as never,
  }
  const connect: LogsDeps['connect'] = async (target) =>
    ({
      target,
      stream(_command: string, options: StreamOptions): RemoteStream {
        const script = scripts[target.account]!
        let end: (value: StreamEnd) => void = () => {}
        const done = new Promise<StreamEnd>((resolve) => (end = resolve))
        setImmediate(() => {
          for (const line of script.lines) options.onLine(line, 'stdout')
          if (script.code !== 'forever') end({code: script.code, signal: null, stopped: false})
        })
        return {
          done,
          async stop() {
            stopped.push(target.account)
            end({code: 130, signal: null, stopped: true})
          },
        }
      },
      async dispose() {},
    }) as unknown as RemoteShell
  return {provider, connect, stopped}
}

const deps = (f: ReturnType<typeof fakes>, over: Partial<LogsDeps> = {}): LogsDeps => ({
  provider: f.provider,
  connect: f.connect,
  knownHosts: new KnownHosts('/nonexistent/known_hosts'),
  concurrency: 2,
  ...over,
})

describe('readLogs', () => {
  test('one outcome per source: streamed, skipped (stopped), failed (non-zero exit); grep filters lines', async () => {
    const f = fakes({
      'app-1': {lines: ['GET / 200', 'ERROR boom'], code: 0},
      'app-2': {lines: [], code: 0, state: 'stopped'},
      'app-3': {lines: ['no such container'], code: 1},
    })
    const lines: string[] = []
    const outcomes = await readLogs(profile, deps(f), {
      sources: ['app-1', 'app-2', 'app-3'].map(source),
      follow: false,
      grep: /ERROR|container/,
      onLine: (s, _stream, line) => lines.push(`${s.label}:${line}`),
    })
    expect(lines.sort()).toEqual(['app-1:ERROR boom', 'app-3:no such container'])
    expect(outcomes.map((o) => [o.account, o.ok, o.skipped, o.error?.code ?? null])).toEqual([
      ['app-1', true, null, null],
      ['app-2', true, 'stopped', null],
      ['app-3', false, null, 'LogsCommandFailed'],
    ])
    expect(outcomes[2]?.error?.message).toContain('`logs app-3` exited with 1 on app-3 (i-app-3,')
  })

  test('aborting (Ctrl-C) stops every stream and ends in InterruptedError', async () => {
    const f = fakes({'app-1': {lines: ['a'], code: 'forever'}, 'app-2': {lines: ['b'], code: 'forever'}})
    const controller = new AbortController()
    let seen = 0
    const run = readLogs(profile, deps(f, {signal: controller.signal}), {
      sources: [source('app-1'), source('app-2')],
      follow: true,
      onLine: () => ++seen === 2 && controller.abort(),
    })
    await expect(run).rejects.toMatchObject({code: 'Interrupted', exitCode: 130})
    expect(f.stopped.sort()).toEqual(['app-1', 'app-2'])
  })
})
