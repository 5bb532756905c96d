import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, describe, expect, test} from 'vitest'

import {KEEP_GOING, PROCESSOR_FILE, artilleryProcessor, artilleryScript} from './artillery-script.js'

const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, {recursive: true, force: true}))))

describe('the Artillery script of a step', () => {
  test('a fixed crowd: exactly `users` arrivals over one think period, each looping get + think until told to stop', () => {
    const script = artilleryScript({url: 'http://127.0.0.1:8080/api/slots?day=1', users: 500, thinkMs: 1500}, {runMs: 60_000, stopFile: '/tmp/x/stop'})
    expect(script).toEqual({
      config: {
        target: 'http://127.0.0.1:8080',
        processor: `./${PROCESSOR_FILE}`,
        phases: [{name: '500 users', duration: 2, arrivalCount: 500}],
        http: {timeout: 10},
      },
      scenarios: [{name: 'fleet loadtest', flow: [{loop: [{get: {url: '/api/slots?day=1', headers: {host: '127.0.0.1:8080'}, followRedirect: false}}, {think: '1500ms'}], whileTrue: KEEP_GOING}]}],
    })
  })

  test('think 0: no think step; arrivals over one second; the target is the pinned address, the URL\'s host goes in Host (and so in SNI)', () => {
    const script = artilleryScript({url: 'https://parking.example.com', address: '54.180.12.7', users: 10, thinkMs: 0}, {runMs: 1000, stopFile: 's'}) as {
      config: {target: string; phases: unknown[]}
      scenarios: Array<{flow: Array<{loop: unknown[]}>}>
    }
    expect(script.config.target).toBe('https://54.180.12.7')
    expect(script.config.phases).toEqual([{name: '10 users', duration: 1, arrivalCount: 10}])
    expect(script.scenarios[0]!.flow[0]!.loop).toEqual([{get: {url: '/', headers: {host: 'parking.example.com'}, followRedirect: false}}])
  })

  test('never a name to look up: a host name without an address is refused, as is an https URL naming another IP (Artillery would check the certificate against the address)', () => {
    expect(() => artilleryScript({url: 'https://parking.example.com/', users: 1, thinkMs: 0}, {runMs: 1000, stopFile: 's'})).toThrow(/names a host, and no address to connect to was given: fleet never looks the load's host up in DNS/)
    expect(() => artilleryScript({url: 'https://3.35.0.1/', address: '54.180.12.7', users: 1, thinkMs: 0}, {runMs: 1000, stopFile: 's'})).toThrow(expect.objectContaining({code: 'EngineCannotPin'}))
    expect(artilleryScript({url: 'http://3.35.0.1:8080/', address: '54.180.12.7', users: 1, thinkMs: 0}, {runMs: 1000, stopFile: 's'})).toMatchObject({config: {target: 'http://54.180.12.7:8080'}})
  })
})

describe('the processor', () => {
  async function load(runMs: number) {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-artillery-processor-'))
    dirs.push(dir)
    const stopFile = join(dir, 'stop')
    const file = join(dir, PROCESSOR_FILE)
    await writeFile(file, artilleryProcessor({runMs, stopFile}))
    const module = createRequire(import.meta.url)(file) as Record<string, (context: unknown, next: (more: boolean) => void) => void>
    const keepGoing = () => new Promise<boolean>((resolve) => module[KEEP_GOING]!({}, resolve))
    return {keepGoing, stopFile}
  }

  test('says go on until the run time, counted from its first call, is over', async () => {
    const {keepGoing} = await load(300)
    await sleep(400) // Artillery's start-up is not part of the step.
    expect(await keepGoing()).toBe(true)
    await sleep(150)
    expect(await keepGoing()).toBe(true)
    await sleep(250)
    expect(await keepGoing()).toBe(false)
  })

  test('says stop within 100 ms of the stop file appearing', async () => {
    const {keepGoing, stopFile} = await load(60_000)
    expect(await keepGoing()).toBe(true)
    await writeFile(stopFile, '')
    await sleep(120)
    expect(await keepGoing()).toBe(false)
  })
})
