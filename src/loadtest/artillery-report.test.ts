/**
 * The parser on real reports written by `artillery run --output` (Artillery
 * 2.0.34, Node 22, against a local node:http server): one where every 10th
 * answer was a 500, one against a closed port.
 */
import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {certificateErrors, stepResultFromReport} from './artillery-report.js'

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`fixtures/artillery-2.0.34-${name}.report.json`, import.meta.url), 'utf8'))
const context = {durationMs: 4000, startedAt: 1_796_022_185_000, aborted: false}

describe('Artillery report -> step result', () => {
  test('responses, non-2xx, latency percentiles and the rate over the counters\' window', () => {
    expect(stepResultFromReport(fixture('codes'), context)).toEqual({
      // 95 responses between the first and the last counter, 4.268 s apart.
      rps: 22.3,
      latencyMs: {p50: 1, p95: 3, p99: 5},
      errors: 0,
      non2xx: 9,
      requests: 95,
      measuredFrom: 1_796_022_185_708,
      measuredTo: 1_796_022_189_976,
      aborted: false,
    })
  })

  test('connection errors are errors (errors.ECONNREFUSED), with no responses and no latency', () => {
    expect(stepResultFromReport(fixture('refused'), {...context, aborted: true})).toMatchObject({
      rps: 0,
      latencyMs: {p50: null, p95: null, p99: null},
      errors: 5,
      non2xx: 0,
      requests: 0,
      aborted: true,
    })
  })

  test('without counter times, the configured duration is the window', () => {
    const report = {aggregate: {counters: {'http.responses': 120, 'http.codes.200': 100, 'http.codes.302': 20, 'errors.ETIMEDOUT': 3}, summaries: {'http.response_time': {median: 7, p95: 9, p99: 12}}}}
    expect(stepResultFromReport(report, context)).toEqual({
      rps: 30,
      latencyMs: {p50: 7, p95: 9, p99: 12},
      errors: 3,
      non2xx: 20,
      requests: 120,
      measuredFrom: context.startedAt,
      measuredTo: context.startedAt + 4000,
      aborted: false,
    })
  })

  test('certificate errors are told apart from network errors (the engine refuses the step on them)', () => {
    expect(certificateErrors(fixture('codes'))).toEqual([])
    expect(certificateErrors(fixture('refused'))).toEqual([])
    const report = {aggregate: {counters: {'errors.ERR_TLS_CERT_ALTNAME_INVALID': 2, 'errors.ECONNREFUSED': 3, 'errors.UNABLE_TO_VERIFY_LEAF_SIGNATURE': 0}}}
    expect(certificateErrors(report)).toEqual([{code: 'ERR_TLS_CERT_ALTNAME_INVALID', count: 2}])
  })

  test('a file that is not a report is said so', () => {
    expect(() => stepResultFromReport({results: []}, context)).toThrow(/no "aggregate" section/)
  })
})
