import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, test} from 'vitest'

import {step} from './fixtures/story.js'
import {RunRecorder} from './recorder.js'
import {type LoadtestSettings, targetOf} from './settings.js'
import {makeRunFolder} from './writer.js'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))

const settings: LoadtestSettings = {archs: ['3', '6'], users: [500, 1000], thinkMs: 1000, durationMs: 60_000, warmupMs: 10_000, engine: 'autocannon', target: targetOf(undefined, undefined), address: {account: 'lb', kind: 'public'}, down: false}
const HOUR = 3_600_000

async function recorder(clock: {now: number}) {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-recorder-'))
  dirs.push(dir)
  const files = await makeRunFolder(dir, new Date(Date.UTC(2026, 10, 30, 7, 10)))
  return new RunRecorder(files, settings, {region: 'ap-northeast-2', freeTypes: ['t2.micro']}, () => clock.now)
}

describe('RunRecorder: the run\'s files, current after every step', () => {
  test('Given a run under way, When a step is added, Then the three files are rewritten with it (nothing half-written left behind)', async () => {
    const clock = {now: 0}
    const rec = await recorder(clock)
    await rec.save()
    expect(JSON.parse(await readFile(rec.files.json, 'utf8'))).toMatchObject({run: '2026-11-30T07-10-00Z', steps: [], target: 'http://<lb\'s public IP>/', address: {account: 'lb', kind: 'public', at: null}, report: rec.files.html})
    rec.beginArch({arch: '3', lbType: 't2.micro', apps: ['app-1', 'app-2']}, [{account: 'lb', type: 't2.micro', region: 'ap-northeast-2'}])
    rec.setTarget('3', 'http://13.124.0.10/', '13.124.0.10:80')
    await rec.add(step('3', 500, 480, {lb: 60, apps: {'app-1': 30, 'app-2': 31}}))
    const saved = JSON.parse(await readFile(rec.files.json, 'utf8'))
    expect(saved.steps.map((s: {users: number}) => s.users)).toEqual([500])
    expect(saved.architectures).toEqual([{arch: '3', lbType: 't2.micro', apps: ['app-1', 'app-2'], target: 'http://13.124.0.10/', address: '13.124.0.10:80'}])
    expect(saved.address).toEqual({account: 'lb', kind: 'public', at: '13.124.0.10:80'})
    expect(await readFile(rec.files.csv, 'utf8')).toContain(',3,t2.micro,app-1 app-2,500,480,')
    expect(await readFile(rec.files.html, 'utf8')).toContain('<canvas id="rps-chart"')
    expect(await readFile(rec.files.html, 'utf8')).toContain('http://13.124.0.10/ → 13.124.0.10:80 (lb&#39;s public IP; DNS not used)')
    expect((await readdir(join(rec.files.dir))).sort()).toEqual(['loadtest.csv', 'loadtest.json', 'report.html'])
  })

  test('the cost counts each architecture\'s instances from its start until the next one\'s (or now), and the LB\'s bytes', async () => {
    const clock = {now: 0}
    const rec = await recorder(clock)
    rec.beginArch({arch: '3', lbType: 't2.micro', apps: ['app-1']}, [{account: 'lb', type: 't2.micro', region: 'ap-northeast-2'}, {account: 'app-1', type: 't2.micro', region: 'ap-northeast-2'}])
    clock.now = HOUR / 2
    rec.beginArch({arch: '6', lbType: 't2.medium', apps: ['app-1']}, [{account: 'lb', type: 't2.medium', region: 'ap-northeast-2'}, {account: 'app-1', type: 't2.micro', region: 'ap-northeast-2'}])
    clock.now = HOUR
    await rec.add(step('6', 1000, 900, {lb: 50, apps: {'app-1': 40}, lbBytes: 2e9}))
    clock.now = 2 * HOUR
    rec.endPhase()
    clock.now = 5 * HOUR
    const report = await rec.save()
    expect(report.cost.instances).toEqual([
      {type: 't2.medium', hours: 1.5, usd: 0.0864, free: false, priceKnown: true},
      {type: 't2.micro', hours: 2.5, usd: 0, free: true, priceKnown: true},
    ])
    expect(report.cost.freeTierHours).toBe(2.5)
    expect(report.cost.publicIpv4).toEqual({hours: 4, usd: 0.02})
    expect(report.cost.transfer).toMatchObject({bytes: 2e9, gb: 2})
    expect(report.costUsd).toBe(report.cost.totalUsd)
  })
})
