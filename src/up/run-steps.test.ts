import {describe, expect, it} from 'vitest'

import type {InstanceControlPort} from '../aws/ports/instances.js'
import {ExternalError} from '../errors.js'
import type {PlannedChange} from '../plan/plan.js'
import {uninterruptible} from '../util/cancel.js'
import {runSteps} from './run-steps.js'

/** A port that records the calls and fails the ones named. */
function port(fail: Partial<Record<'start' | 'modifyType', number>> = {}) {
  const calls: string[] = []
  const failing = {...fail}
  const maybeFail = (what: 'start' | 'modifyType') => {
    if ((failing[what] ?? 0) > 0) {
      failing[what]! -= 1
      throw new ExternalError('AwsError', `${what} failed: InsufficientInstanceCapacity`)
    }
  }
  const fake: Partial<InstanceControlPort> = {
    stop: async () => void calls.push('stop'),
    start: async () => {
      calls.push('start')
      maybeFail('start')
    },
    modifyType: async (_id, type) => {
      calls.push(`modify ${type}`)
      maybeFail('modifyType')
    },
    waitFor: async (_id, want) => void calls.push(`wait ${want}`),
  }
  return {calls, port: fake as InstanceControlPort}
}

const resize: PlannedChange = {
  account: 'lb',
  action: 'resize',
  from: {state: 'running', type: 't2.micro'},
  to: {state: 'running', type: 't2.medium'},
  steps: ['stop', 'wait-stopped', 'modify-type', 'start', 'wait-running', 'wait-status-ok'],
}
const ctx = (p: InstanceControlPort) => ({instanceId: 'i-1', port: p, delays: {minDelaySeconds: 0.01, maxDelaySeconds: 0.01}, deadline: Date.now() + 60_000, cancel: uninterruptible, onPhase() {}})

describe('runSteps', () => {
  it('runs a resize in order: stop, wait stopped, change type, start, wait running and status ok', async () => {
    const {calls, port: p} = port()
    await expect(runSteps(resize, ctx(p))).resolves.toEqual({done: resize.steps})
    expect(calls).toEqual(['stop', 'wait stopped', 'modify t2.medium', 'start', 'wait running', 'wait status-ok'])
  })

  it('when the type change is refused, starts the instance again as it was and says so', async () => {
    const {calls, port: p} = port({modifyType: 1})
    await expect(runSteps(resize, ctx(p))).rejects.toMatchObject({code: 'ResizeFailed', message: expect.stringMatching(/could not change to t2\.medium .*; it was set back to t2\.micro and started\./)})
    expect(calls).toEqual(['stop', 'wait stopped', 'modify t2.medium', 'start', 'wait running'])
  })

  it('when the start fails after the type change, sets the old type back and starts it', async () => {
    const {calls, port: p} = port({start: 1})
    await expect(runSteps(resize, ctx(p))).rejects.toMatchObject({code: 'ResizeFailed', nextSteps: [expect.stringMatching(/retry later, or pick another type/)]})
    expect(calls).toEqual(['stop', 'wait stopped', 'modify t2.medium', 'start', 'modify t2.micro', 'start', 'wait running'])
  })

  it('stops before the next step once Ctrl-C came', async () => {
    const controller = new AbortController()
    const {calls, port: p} = port()
    const cancel = {...uninterruptible, signal: controller.signal}
    const run = runSteps(resize, {...ctx(p), cancel, onPhase: (phase) => phase === 'resizing' && controller.abort()})
    await expect(run).rejects.toMatchObject({code: 'Interrupted', exitCode: 130})
    expect(calls).toEqual(['stop', 'wait stopped', 'modify t2.medium'])
  })
})
