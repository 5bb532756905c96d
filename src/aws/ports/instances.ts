import type {Instance} from '@aws-sdk/client-ec2'

import {ExternalError, InterruptedError} from '../../errors.js'
import type {WaitDelays} from '../../util/waits.js'
import {type ClientContext, callerFor, clientConfig, errorName} from './call.js'

/** What fleet waits for: the state DescribeInstances reports, or both status checks passing. */
export type InstanceWait = 'running' | 'stopped' | 'status-ok'

export interface WaitOptions {
  delays: WaitDelays
  /** How long the wait may take before it is given up (named with the state it was stuck in). */
  maxWaitSeconds: number
  signal?: AbortSignal
}

/**
 * The calls that change a fleet instance, and the waits between them. fleet
 * never launches or terminates: there is no call here that could.
 */
export interface InstanceControlPort {
  /** The instance as DescribeInstances reports it now, or null when gone. */
  describe(instanceId: string): Promise<Instance | null>
  start(instanceId: string): Promise<void>
  stop(instanceId: string): Promise<void>
  /** Changes the type; AWS accepts it only while the instance is stopped. */
  modifyType(instanceId: string, type: string): Promise<void>
  /** Waits with the SDK's waiter; throws WaitTimeout naming the state it was stuck in, or InterruptedError. */
  waitFor(instanceId: string, want: InstanceWait, options: WaitOptions): Promise<void>
  /** The types among `types` that do not exist in this region (DescribeInstanceTypes). */
  unknownTypes(types: string[]): Promise<string[]>
  /** `stop` or `terminate`: what the instance does when it shuts itself down. */
  shutdownBehavior(instanceId: string): Promise<string>
  /** Each id's CPU credit option (`standard`/`unlimited`); ids of non-burstable types are absent. */
  cpuCredits(instanceIds: string[]): Promise<Map<string, string>>
  tag(instanceId: string, key: string, value: string): Promise<void>
  untag(instanceId: string, key: string): Promise<void>
}

type Ec2 = typeof import('../sdk/ec2.js')

export async function createInstanceControlPort(ctx: ClientContext): Promise<InstanceControlPort> {
  const ec2 = await import('../sdk/ec2.js')
  const client = new ec2.EC2Client(clientConfig(ctx))
  const call = callerFor(ctx)
  const describe = (instanceId: string) =>
    call('ec2:DescribeInstances', async () => {
      const out = await client.send(new ec2.DescribeInstancesCommand({InstanceIds: [instanceId]}))
      return out.Reservations?.flatMap((r) => r.Instances ?? [])[0] ?? null
    })
  return {
    describe,
    start: (id) => call('ec2:StartInstances', async () => void (await client.send(new ec2.StartInstancesCommand({InstanceIds: [id]})))),
    stop: (id) => call('ec2:StopInstances', async () => void (await client.send(new ec2.StopInstancesCommand({InstanceIds: [id]})))),
    modifyType: (id, type) =>
      call('ec2:ModifyInstanceAttribute', async () => void (await client.send(new ec2.ModifyInstanceAttributeCommand({InstanceId: id, InstanceType: {Value: type}})))),
    waitFor: (id, want, options) => waitFor({ec2, client, call, describe, ctx}, id, want, options),
    unknownTypes: (types) => call('ec2:DescribeInstanceTypes', () => unknownTypes(ec2, client, types)),
    shutdownBehavior: (id) =>
      call('ec2:DescribeInstanceAttribute', async () => {
        const out = await client.send(new ec2.DescribeInstanceAttributeCommand({InstanceId: id, Attribute: 'instanceInitiatedShutdownBehavior'}))
        return out.InstanceInitiatedShutdownBehavior?.Value ?? 'stop'
      }),
    cpuCredits: (ids) =>
      call('ec2:DescribeInstanceCreditSpecifications', async () => {
        if (ids.length === 0) return new Map()
        const out = await client.send(new ec2.DescribeInstanceCreditSpecificationsCommand({InstanceIds: ids}))
        return new Map((out.InstanceCreditSpecifications ?? []).map((c) => [c.InstanceId ?? '', c.CpuCredits ?? 'standard']))
      }),
    tag: (id, key, value) => call('ec2:CreateTags', async () => void (await client.send(new ec2.CreateTagsCommand({Resources: [id], Tags: [{Key: key, Value: value}]})))),
    untag: (id, key) => call('ec2:DeleteTags', async () => void (await client.send(new ec2.DeleteTagsCommand({Resources: [id], Tags: [{Key: key}]})))),
  }
}

async function unknownTypes(ec2: Ec2, client: InstanceType<Ec2['EC2Client']>, types: string[]): Promise<string[]> {
  const wanted = [...new Set(types)]
  if (wanted.length === 0) return []
  try {
    const out = await client.send(new ec2.DescribeInstanceTypesCommand({InstanceTypes: wanted as never[]}))
    const known = new Set((out.InstanceTypes ?? []).map((t) => t.InstanceType))
    return wanted.filter((t) => !known.has(t as never))
  } catch (error) {
    // AWS names the unknown ones in the message: "[t9.bogus]".
    if (errorName(error) !== 'InvalidInstanceType') throw error
    const named = /\[([^\]]*)\]/.exec((error as Error).message)?.[1]?.split(/,\s*/) ?? []
    return wanted.filter((t) => named.includes(t) || named.length === 0)
  }
}

interface WaitContext {
  ec2: Ec2
  client: InstanceType<Ec2['EC2Client']>
  call: ReturnType<typeof callerFor>
  describe: (id: string) => Promise<Instance | null>
  ctx: ClientContext
}

const WHAT: Record<InstanceWait, string> = {running: 'to be running', stopped: 'to be stopped', 'status-ok': 'its status checks to pass'}

async function waitFor(w: WaitContext, id: string, want: InstanceWait, options: WaitOptions): Promise<void> {
  const action = want === 'status-ok' ? 'ec2:DescribeInstanceStatus' : 'ec2:DescribeInstances'
  const waiter = want === 'running' ? w.ec2.waitUntilInstanceRunning : want === 'stopped' ? w.ec2.waitUntilInstanceStopped : w.ec2.waitUntilInstanceStatusOk
  const config = {
    client: w.client,
    maxWaitTime: Math.max(options.maxWaitSeconds, options.delays.minDelaySeconds * 1.01),
    minDelay: options.delays.minDelaySeconds,
    maxDelay: options.delays.maxDelaySeconds,
    abortSignal: options.signal,
  }
  const result = await w.call(action, async () => {
    try {
      return await waiter(config, {InstanceIds: [id]})
    } catch (error) {
      // The waiter throws for a timeout, an abort and a failure state alike (src: @smithy util-waiter checkExceptions).
      const name = errorName(error)
      return {state: name === 'TimeoutError' ? 'TIMEOUT' : name === 'AbortError' || options.signal?.aborted ? 'ABORTED' : 'FAILURE', error}
    }
  })
  if (result.state === 'SUCCESS') return
  if (result.state === 'ABORTED') throw new InterruptedError('Interrupted', `Interrupted while waiting for ${id} ${WHAT[want]}.`)
  const now = await w.describe(id)
  const state = now?.State?.Name ?? 'gone'
  const where = `${w.ctx.account} (${id})`
  if (result.state === 'TIMEOUT') {
    throw new ExternalError('WaitTimeout', `${where} was still ${state} after ${Math.round(options.maxWaitSeconds)} s of waiting for it ${WHAT[want]}.`, {
      nextSteps: ['Look at the instance in the EC2 console (its status checks, its system log), then run `fleet up` again, or raise --wait-timeout.'],
    })
  }
  throw new ExternalError('WaitFailed', `${where} went ${state} while fleet waited for it ${WHAT[want]}.`, {cause: 'error' in result ? result.error : undefined})
}
