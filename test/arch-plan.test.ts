/**
 * `fleet arch show ID` reads the instances from moto and says what `up`
 * would change: resize whenever the type differs, start, stop, or nothing.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {fleetEnv, type Moto, roleArn, runFleet, seedAccount, startMoto, uniqueAccountId, writeProfile} from './harness/moto.ts'

let moto: Moto
let file: string
const ids = {lb: uniqueAccountId(), a1: uniqueAccountId(), a2: uniqueAccountId(), a3: uniqueAccountId()}

beforeAll(async () => {
  moto = await startMoto()
  await seedAccount(moto, {accountId: ids.lb, instances: [{tags: {fleet: 'lb'}, type: 't2.micro', state: 'stopped'}]})
  await seedAccount(moto, {accountId: ids.a1, instances: [{tags: {fleet: 'app'}, state: 'stopped'}]})
  await seedAccount(moto, {accountId: ids.a2, instances: [{tags: {fleet: 'app'}}]})
  await seedAccount(moto, {accountId: ids.a3, instances: [{tags: {fleet: 'app'}}]})
  const account = (id: string, tag: string) => ({accountId: id, roleArn: roleArn(id), instance: {tag: {fleet: tag}}})
  file = await writeProfile(await mkdtemp(join(tmpdir(), 'fleet-plan-')), {
    region: 'ap-northeast-2',
    hub: {source: 'env'},
    accounts: {lb: account(ids.lb, 'lb'), 'app-1': account(ids.a1, 'app'), 'app-2': account(ids.a2, 'app'), 'app-3': account(ids.a3, 'app')},
    nginx: {on: 'lb', upstream: 'backend'},
    architectures: {'4-1': {lb: {instanceType: 't2.medium'}, apps: ['app-1', 'app-2']}},
  })
})

afterAll(async () => {
  await moto?.stop()
})

describe('fleet arch show, with the plan', () => {
  it('plans resize, start, none and stop from the instances as they are', async () => {
    const run = await runFleet(['arch', 'show', '4-1', '--profile', file, '--json'], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout).plan).toEqual([
      {account: 'lb', action: 'resize', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.medium'}, steps: ['modify-type', 'start', 'wait-running', 'wait-status-ok']},
      {account: 'app-1', action: 'start', from: {state: 'stopped', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}, steps: ['start', 'wait-running', 'wait-status-ok']},
      {account: 'app-2', action: 'none', from: {state: 'running', type: 't2.micro'}, to: {state: 'running', type: 't2.micro'}, steps: []},
      {account: 'app-3', action: 'stop', from: {state: 'running', type: 't2.micro'}, to: {state: 'stopped', type: 't2.micro'}, steps: ['stop', 'wait-stopped']},
    ])
  })

  it('shows the plan as a table for people', async () => {
    const run = await runFleet(['arch', 'show', '4-1', '--profile', file], {env: fleetEnv(moto)})
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/lb\s+lb\s+running\s+t2\.medium\s+-\s+stopped t2\.micro\s+resize/)
    expect(run.stdout).toMatch(/app-3\s+idle\s+stopped\s+as is\s+-\s+running t2\.micro\s+stop/)
  })
})
