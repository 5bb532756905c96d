import {describe, expect, test} from 'vitest'

import {type ErrorInfo, ExitCode} from '../errors.js'
import {step} from './fixtures/story.js'
import {stepLine} from './progress.js'
import {renderLoadtestResult} from './result-render.js'
import {loadtestExitCode, type LoadtestResult} from './run.js'

describe('the end of a run for people, and its exit code', () => {
  const base = (): LoadtestResult => ({
    run: 'r', target: 'http://x/', engine: 'autocannon', thinkMs: 1000, durationMs: 60_000,
    architectures: [{arch: '3', lbType: 't2.micro', apps: ['app-1', 'app-2']}],
    steps: [step('3', 500, 480, {lb: 60, apps: {'app-1': 30, 'app-2': 31}}), step('3', 1000, 690, {lb: 91, apps: {'app-1': 40, 'app-2': 42}})],
    verdicts: [{arch: '3', bottleneck: 'lb-cpu', why: 'because.'}],
    costUsd: 0.01,
    cost: {totalUsd: 0.01, instances: [], freeTierHours: 1, publicIpv4: {hours: 1, usd: 0.005}, transfer: {bytes: 0, gb: 0, usd: 0}},
    report: '/h/runs/r/report.html',
    interrupted: false,
    files: {json: '/h/runs/r/loadtest.json', csv: '/h/runs/r/loadtest.csv', html: '/h/runs/r/report.html'},
    failures: [],
    down: null,
    downError: null,
    stillCosting: [{account: 'lb', kind: 'running-instance', id: 'i-1', detail: 't2.micro i-1 is running', hourlyUsd: 0.0144}],
    warnings: [],
  })
  const failed: ErrorInfo = {code: 'UpFailed', message: '`up --arch 6` did not complete', exitCode: ExitCode.external}

  test('the table, the files, what still runs; a failed architecture and a host not sampled are named', () => {
    const text = renderLoadtestResult({...base(), failures: [{arch: '6', error: failed}], warnings: ['app-2: not sampled: connection refused']})
    expect(text).toMatch(/^ARCH +LB +APPS +USERS/)
    expect(text).toContain('arch 3: lb-cpu. because.')
    expect(text).toContain('✗ arch 6 was not measured: `up --arch 6` did not complete')
    expect(text).toContain('! app-2: not sampled: connection refused')
    expect(text).toContain('Report: /h/runs/r/report.html\n  with loadtest.json and loadtest.csv in /h/runs/r')
    expect(text).toMatch(/Still running and costing money \(no --down\):\n {2}lb: t2\.micro i-1 is running \(~\$0\.0144\/h\)\nStop it with `fleet down` when you are done\.$/)
    expect(renderLoadtestResult({...base(), stillCosting: []})).toMatch(/✓ Nothing left that costs money\.$/)
    expect(renderLoadtestResult({...base(), steps: [], verdicts: [], interrupted: true})).toMatch(/^No step was measured\. Interrupted before the first measured step\./)
    expect(renderLoadtestResult({...base(), downError: {code: 'X', message: 'AccessDenied'}, stillCosting: []})).toMatch(/✗ --down could not stop the fleet: AccessDenied\nRun `fleet down`\.$/)
  })

  test('a step as one progress line', () => {
    expect(stepLine({...step('3', 1600, 690, {lb: 91, apps: {'app-1': 40, 'app-2': 42}, p99: 1234}), aborted: true, nginxWorkerConnections: true}))
      .toBe('arch 3 · 1,600 users: 690 RPS, p99 1.2 s, 0 errors, 0 non-2xx, LB CPU 91%, max app CPU 42%, nginx: worker_connections are not enough (cut short by Ctrl-C)')
  })

  test('exit codes: 130 interrupted, 4 a guardrail over 3 an architecture that failed, 3 a down that failed', () => {
    expect(loadtestExitCode(base())).toBe(0)
    expect(loadtestExitCode({...base(), failures: [{arch: '6', error: failed}]})).toBe(3)
    expect(loadtestExitCode({...base(), failures: [{arch: '6', error: failed}, {arch: '5', error: {code: 'PaidTypeNotConfirmed', message: '', exitCode: ExitCode.guardrail}}]})).toBe(4)
    expect(loadtestExitCode({...base(), failures: [{arch: '6', error: failed}], interrupted: true})).toBe(130)
    expect(loadtestExitCode({...base(), downError: {code: 'AccessDenied', message: ''}})).toBe(3)
  })
})
