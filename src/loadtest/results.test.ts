import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Ajv} from 'ajv'
import {afterAll, describe, expect, test} from 'vitest'

import {homePaths} from '../home.js'
import {csvCell, renderCsv} from './csv.js'
import {step, storyReport, storySteps} from './fixtures/story.js'
import {chartJsSource, renderHtml} from './html.js'
import {runId, stepRecord} from './report.js'
import {renderLoadtest} from './render.js'
import {LOADTEST_JSON_SCHEMA} from './schema.js'
import {makeRunFolder, saveRun} from './writer.js'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))

describe('the loadtest JSON', () => {
  const ajv = new Ajv({allErrors: true, strict: true, allowUnionTypes: true})
  const validate = ajv.compile(LOADTEST_JSON_SCHEMA)

  test('the story\'s report validates against the schema, verdicts and cost included', () => {
    const report = storyReport()
    expect(validate(JSON.parse(JSON.stringify(report))), ajv.errorsText(validate.errors)).toBe(true)
    expect(report.verdicts.map((v) => v.bottleneck)).toEqual(['lb-cpu', 'app-cpu', 'lb-cpu', 'outside-fleet', 'outside-fleet', 'outside-fleet', 'outside-fleet'])
    expect(report.costUsd).toBe(report.cost.totalUsd)
  })

  test('the schema refuses what breaks the contract', () => {
    const report = JSON.parse(JSON.stringify(storyReport())) as Record<string, unknown> & {verdicts: Array<Record<string, unknown>>; steps: Array<Record<string, unknown>>}
    report.verdicts[0]!.bottleneck = 'database'
    delete report.steps[0]!.latencyMs
    ;(report.steps[1]!.cpu as {lb: number}).lb = 140
    expect(validate(report)).toBe(false)
    expect(ajv.errorsText(validate.errors)).toMatch(/bottleneck must be equal to one of the allowed values/)
    expect(ajv.errorsText(validate.errors)).toMatch(/must have required property 'latencyMs'/)
    expect(ajv.errorsText(validate.errors)).toMatch(/cpu\/lb must be <= 100/)
  })

  test('a step record joins the engine\'s result, the hosts\' figures and the nginx check', () => {
    const result = {rps: 690.4, latencyMs: {p50: 120, p95: 800, p99: 1400}, errors: 3, non2xx: 1, requests: 41_424, measuredFrom: 0, measuredTo: 60_000, aborted: false, generatorCpu: 41}
    const lb = {cpu: 93.2, cpuMaxCore: 93.2, cpuPeak: 99, bytes: 149_000_000, samples: 61}
    const record = stepRecord('3', 1600, result, {lb, apps: {'app-1': {...lb, cpu: 51}, 'app-2': null}, alerts: {count: 2, first: 'x'}})
    expect(record).toEqual({
      arch: '3', users: 1600, rps: 690.4, latencyMs: {p50: 120, p95: 800, p99: 1400}, errors: 3, non2xx: 1, requests: 41_424,
      cpu: {lb: 93.2, lbMaxCore: 93.2, apps: {'app-1': 51, 'app-2': null}},
      lbBytes: 149_000_000, nginxWorkerConnections: true, generatorCpu: 41,
    })
    expect(stepRecord('3', 1600, {...result, aborted: true}, {lb: null, apps: {}, alerts: null})).toMatchObject({aborted: true, cpu: {lb: null}, lbBytes: null, nginxWorkerConnections: false})
  })

  test('the run id is its UTC start time without colons', () => {
    expect(runId(new Date('2026-11-30T07:10:00.123Z'))).toBe('2026-11-30T07-10-00Z')
  })
})

describe('for people and spreadsheets', () => {
  test('the terminal table: one row per step, the verdicts and the cost', async () => {
    const text = renderLoadtest(storyReport())
    await expect(text).toMatchFileSnapshot('fixtures/golden/loadtest-story.txt')
    expect(text).toContain('arch 3: lb-cpu. RPS stopped growing: 690 RPS at 1,600 users')
    expect(text).toMatch(/^Run cost \$0\.\d\d: t2\.medium 0\.9 h \$0\.05 · t2\.xlarge 0\.3 h \$0\.07 · 4\.5 free-tier hours/m)
  })

  test('the CSV: one row per step, a column per app server, quoted where needed', async () => {
    const csv = renderCsv(storyReport())
    await expect(csv).toMatchFileSnapshot('fixtures/golden/loadtest-story.csv')
    const lines = csv.split('\r\n')
    expect(lines).toHaveLength(storySteps().length + 2)
    expect(lines[0]).toBe(
      'run,arch,lb_type,apps,users,rps,requests,p50_ms,p95_ms,p99_ms,errors,non2xx,cpu_lb,cpu_lb_max_core,cpu_app_max,lb_bytes,nginx_worker_connections,bottleneck,cpu_app_app-1,cpu_app_app-2,cpu_app_app-3',
    )
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"')
    expect(csvCell(null)).toBe('')
  })

  test('the page inlines Chart.js and its data, and escapes what the profile named', () => {
    const report = storyReport()
    report.architectures = [{arch: '</script><b>x', lbType: 't2.micro', apps: ['app-1']}]
    report.steps = [step('</script><b>x', 100, 99, {lb: 10, apps: {'app-1': 5}})]
    report.verdicts = [{arch: '</script><b>x', bottleneck: 'none', why: 'a < b & c'}]
    const html = renderHtml(report)
    expect(html).toContain(chartJsSource().slice(0, 200))
    expect(html).not.toMatch(/sourceMappingURL/)
    expect(html).not.toContain('<b>x')
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;x')
    expect(html).toContain('"arch":"\\u003c/script>\\u003cb>x"')
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/)
  })
})

describe('the run folder', () => {
  test('FLEET_HOME/runs/<time>/ holds the JSON, the CSV and the page; a second run in the same second gets -2', async () => {
    const home = await mkdtemp(join(tmpdir(), 'fleet-home-'))
    dirs.push(home)
    const runs = homePaths(home).runs
    expect(runs).toBe(join(home, 'runs'))
    const startedAt = new Date('2026-11-30T07:10:00Z')
    const first = await makeRunFolder(runs, startedAt)
    const second = await makeRunFolder(runs, startedAt)
    expect([first.run, second.run]).toEqual(['2026-11-30T07-10-00Z', '2026-11-30T07-10-00Z-2'])

    const {run: _run, report: _report, verdicts: _verdicts, costUsd: _costUsd, ...input} = storyReport()
    const report = await saveRun({...input, interrupted: true}, second)
    expect(report.run).toBe('2026-11-30T07-10-00Z-2')
    expect(report.report).toBe(join(runs, '2026-11-30T07-10-00Z-2', 'report.html'))
    expect((await readdir(second.dir)).sort()).toEqual(['loadtest.csv', 'loadtest.json', 'report.html'])
    expect(JSON.parse(await readFile(second.json, 'utf8'))).toEqual(report)
    expect(await readFile(second.html, 'utf8')).toContain('<b>interrupted</b>')
  })
})
