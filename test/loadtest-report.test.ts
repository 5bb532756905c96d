/**
 * The run's page in a real browser: Debian's Chromium, headless, opens the
 * page from disk (no network: Chart.js is inlined), runs its scripts
 * (--virtual-time-budget), dumps the DOM, where the page marks how many
 * pixels each chart inked, and takes a screenshot, kept and printed.
 *
 * Two pages: the story's sweep (fixtures), and a small real sweep made with
 * the building blocks of `fleet loadtest` end to end: the in-process engine
 * against two local servers standing for two architectures, CPU sampled over
 * the real sshd, nginx's error log checked, the cost, the files written under
 * FLEET_HOME/runs/ and the JSON validated against its schema.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {type Server, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {Ajv} from 'ajv'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {homePaths} from '../src/home.js'
import {runCost} from '../src/loadtest/cost.js'
import {runAutocannonStep} from '../src/loadtest/engine-autocannon.js'
import {startHostSampler} from '../src/loadtest/host-sampler.js'
import {renderHtml} from '../src/loadtest/html.js'
import {alertCheckCommand, matchWorkerConnectionAlerts} from '../src/loadtest/nginx-alerts.js'
import {stepRecord, totalLbBytes} from '../src/loadtest/report.js'
import {renderLoadtest} from '../src/loadtest/render.js'
import {storyReport} from '../src/loadtest/fixtures/story.js'
import {LOADTEST_JSON_SCHEMA} from '../src/loadtest/schema.js'
import type {ArchInfo, StepRecord} from '../src/loadtest/types.js'
import {makeRunFolder, saveRun} from '../src/loadtest/writer.js'
import {connect} from '../src/remote/connect.js'
import type {RemoteShell} from '../src/remote/types.js'
import {chartsOf, findChromium, screenshot} from './harness/chromium.ts'
import {type Sshd, startSshd} from './harness/sshd.js'
import {freshOptions, removeTempDirs, targetOf} from './remote/helpers.js'

const chromium = findChromium()
const dirs: string[] = []

/** Both charts drawn, per the marks the page writes once Chart.js has drawn; a screenshot kept and printed. */
async function expectChartsDrawn(page: string, name: string): Promise<void> {
  const marks = await chartsOf(chromium!, page)
  expect(marks.ready).toBe(2)
  // A blank canvas inks nothing; axes, labels and lines ink thousands of pixels.
  for (const [id, ink] of Object.entries(marks.ink)) expect(ink, `${id} drawn`).toBeGreaterThan(5000)
  console.log(`screenshot of ${name}: ${await screenshot(chromium!, page, name)}`)
}

let sshd: Sshd
const shells: RemoteShell[] = []

beforeAll(async () => {
  sshd = await startSshd()
}, 30_000)

afterAll(async () => {
  await Promise.all(shells.map((sh) => sh.dispose()))
  await sshd?.dispose()
  await removeTempDirs()
  await Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true})))
})

describe.skipIf(!chromium && !process.env.CI)(chromium ? `in headless Chromium (${chromium})` : 'SKIPPED: no Chromium here (scripts/setup.sh installs it)', () => {
  test('the story\'s sweep: both charts drawn, seven lines each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-page-'))
    dirs.push(dir)
    const page = join(dir, 'report.html')
    await writeFile(page, renderHtml(storyReport()))
    await expectChartsDrawn(page, 'story-report')
  }, 90_000)

  // About 12 s: two architectures, two user levels each, each step a second of real load plus its samples, then Chromium.
  test('a real two-architecture sweep through the building blocks: files under FLEET_HOME/runs/, schema-valid JSON, the page', async () => {
    const home = await mkdtemp(join(tmpdir(), 'fleet-home-'))
    dirs.push(home)
    const files = await makeRunFolder(homePaths(home).runs, new Date())
    const {steps, architectures} = await sweep(home)
    const report = await saveRun(
      {
        target: 'http://127.0.0.1/',
        engine: 'autocannon',
        thinkMs: 50,
        durationMs: 1000,
        architectures,
        steps,
        cost: runCost({region: 'ap-northeast-2', freeTypes: ['t2.micro'], instances: [{account: 'lb', type: 't2.medium', hours: 0.01}], lbBytes: totalLbBytes(steps)}),
      },
      files,
    )
    const ajv = new Ajv({allErrors: true, allowUnionTypes: true})
    const validate = ajv.compile(LOADTEST_JSON_SCHEMA)
    expect(validate(JSON.parse(await readFile(files.json, 'utf8'))), ajv.errorsText(validate.errors)).toBe(true)
    expect(report.steps.every((s) => s.cpu.lb !== null && s.cpu.apps['app-1'] !== null)).toBe(true)
    expect(report.steps.every((s) => s.requests > 0 && s.errors === 0)).toBe(true)
    // The slow "arch 3" server answers in 40 ms, "arch 6" at once: 6 serves more at the same users.
    const at = (arch: string, users: number) => report.steps.find((s) => s.arch === arch && s.users === users)!.rps
    expect(at('6', 8)).toBeGreaterThan(at('3', 8))
    expect(report.steps.find((s) => s.arch === '3' && s.users === 8)!.nginxWorkerConnections).toBe(true)
    expect(report.verdicts.find((v) => v.arch === '3')!.bottleneck).toBe('nginx-connections')
    console.log(renderLoadtest(report))
    await expectChartsDrawn(files.html, 'real-sweep-report')
  }, 120_000)
})

/** Serves `/` after `delayMs`. */
async function server(delayMs: number): Promise<{server: Server; url: string}> {
  const s = createServer((_req, res) => setTimeout(() => res.end('ok\n'), delayMs))
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  return {server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`}
}

/**
 * Two "architectures" (a slow and a fast local server), two user levels each;
 * the LB and app-1 are this machine, sampled over two sessions of the sshd.
 * The slow one's "nginx error log" gets an alert during its last step.
 */
async function sweep(home: string): Promise<{steps: StepRecord[]; architectures: ArchInfo[]}> {
  const lbShell = await connect(targetOf(sshd), await freshOptions())
  const appShell = await connect(targetOf(sshd, {account: 'app-1', instanceId: 'i-0aaaaaaaaaaaaaaa1'}), await freshOptions())
  shells.push(lbShell, appShell)
  const errorLog = join(home, 'error.log')
  await writeFile(errorLog, '')
  const archs = [
    {info: {arch: '3', lbType: 't2.micro', apps: ['app-1']}, backend: await server(40)},
    {info: {arch: '6', lbType: 't2.medium', apps: ['app-1']}, backend: await server(0)},
  ]
  const steps: StepRecord[] = []
  try {
    for (const {info, backend} of archs) {
      for (const users of [4, 8]) {
        const since = new Date()
        const lb = startHostSampler(lbShell)
        const app = startHostSampler(appShell)
        const result = await runAutocannonStep({url: backend.url, users, thinkMs: 50, durationMs: 1000, warmupMs: 300})
        if (info.arch === '3' && users === 8) {
          const now = since.toISOString().slice(0, 19).replace('T', ' ').replaceAll('-', '/')
          await writeFile(errorLog, `${now} [alert] 31#31: 8 worker_connections are not enough\n`)
        }
        // One more sample after the window, so that samples bound it on both sides.
        await sleep(1100)
        await Promise.all([lb.stop(), app.stop()])
        const window = {from: result.measuredFrom, to: result.measuredTo}
        const check = await lbShell.execOrThrow(alertCheckCommand(`tail -n 200 {follow} ${errorLog}`, since))
        const alerts = matchWorkerConnectionAlerts(check.stdout.split('\n'), since)
        steps.push(stepRecord(info.arch, users, result, {lb: lb.summary(window), apps: {'app-1': app.summary(window)}, alerts}))
      }
    }
  } finally {
    for (const {backend} of archs) {
      backend.server.closeAllConnections()
      backend.server.close()
    }
  }
  return {steps, architectures: archs.map((a) => a.info)}
}
