/**
 * Slow EC2 for the latency proxy: moto starts and stops instances at once,
 * so the proxy keeps, per instance, the transition a StartInstances or
 * StopInstances began, and reports AWS's in-between states until its time
 * is up: `pending`, then status checks `initializing`; `stopping`. It also
 * refuses what AWS refuses in those states (IncorrectInstanceState), and
 * can fail a start for lack of capacity. moto's state is always asked for
 * first: the proxy only ever rewrites what moto says the end state is.
 */
import {type Answer, type MotoLink, type SlowAnswer, ec2Refusal, indexedParams} from './slow-link.ts'
import {type Edit, applyEdits, child, select, textAt} from './xml-spans.ts'

export interface InstanceTiming {
  /** How long a start reports `pending`, and a stop `stopping` (ms). */
  transitionMs?: number
  /** After `pending`: how long DescribeInstanceStatus reports `initializing` (ms). */
  initializingMs?: number
}

type StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped'
const CODES: Record<StateName, number> = {pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80}
const VERSION = '2016-11-15'

interface Transition {
  kind: 'start' | 'stop'
  /** When `pending`/`stopping` ends. */
  readyAt: number
  /** When status checks stop saying `initializing` (starts only). */
  okAt: number
}

interface Seen {
  state: StateName
  type: string
  zone: string
}

export interface SlowEc2 {
  timing: (id: string) => Required<InstanceTiming>
  transitions: Map<string, Transition>
  capacityFailures: Map<string, number>
  credits: Map<string, string>
}

/** What the proxy reports for `id` when moto says `motoState`. */
export function reportedState(ec2: SlowEc2, id: string, motoState: string, now = Date.now()): StateName {
  const t = ec2.transitions.get(id)
  const moto = motoState as StateName
  if (!t) return moto
  if (t.kind === 'start' && moto === 'running') {
    if (now >= t.okAt) ec2.transitions.delete(id)
    return now < t.readyAt ? 'pending' : 'running'
  }
  if (t.kind === 'stop' && moto === 'stopped') {
    if (now >= t.readyAt) ec2.transitions.delete(id)
    return now < t.readyAt ? 'stopping' : 'stopped'
  }
  // moto moved on by another road (a direct call, a reset): its word stands.
  ec2.transitions.delete(id)
  return moto
}

function initializing(ec2: SlowEc2, id: string, now = Date.now()): boolean {
  const t = ec2.transitions.get(id)
  return t?.kind === 'start' && now >= t.readyAt && now < t.okAt
}

export async function startInstances(ec2: SlowEc2, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const ids = indexedParams(form, 'InstanceId')
  const seen = await lookup(moto, ids)
  if (!seen) return moto.pass()
  const states = new Map(ids.map((id) => [id, reportedState(ec2, id, seen.get(id)?.state ?? '')]))
  for (const [id, state] of states) {
    // AWS starts a stopped instance; a running or pending one is left as it is, without error.
    if (!['stopped', 'running', 'pending'].includes(state))
      return ec2Refusal('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be started.`)
  }
  for (const [id, state] of states) {
    const left = ec2.capacityFailures.get(id) ?? 0
    if (state !== 'stopped' || left <= 0) continue
    ec2.capacityFailures.set(id, left - 1)
    return capacityError(seen.get(id) as Seen)
  }
  const answer = await moto.pass()
  if (answer.status !== 200) return answer
  const now = Date.now()
  for (const [id, state] of states) {
    if (state !== 'stopped') continue
    const {transitionMs, initializingMs} = ec2.timing(id)
    ec2.transitions.set(id, {kind: 'start', readyAt: now + transitionMs, okAt: now + transitionMs + initializingMs})
  }
  return rewriteChanges(answer, 'StartInstancesResponse', states, 'pending')
}

export async function stopInstances(ec2: SlowEc2, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const ids = indexedParams(form, 'InstanceId')
  const seen = await lookup(moto, ids)
  if (!seen) return moto.pass()
  const states = new Map(ids.map((id) => [id, reportedState(ec2, id, seen.get(id)?.state ?? '')]))
  for (const [id, state] of states) {
    if (state === 'pending')
      return ec2Refusal('IncorrectInstanceState', `Instance '${id}' cannot be stopped as it has never reached the 'running' state.`)
  }
  const answer = await moto.pass()
  if (answer.status !== 200) return answer
  const now = Date.now()
  for (const [id, state] of states) {
    if (state !== 'running') continue
    ec2.transitions.set(id, {kind: 'stop', readyAt: now + ec2.timing(id).transitionMs, okAt: 0})
  }
  return rewriteChanges(answer, 'StopInstancesResponse', states, 'stopping')
}

/** A type change needs a stopped instance (as reported), and a type AWS has. */
export async function modifyInstanceAttribute(ec2: SlowEc2, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const type = form.get('InstanceType.Value') ?? (form.get('Attribute') === 'instanceType' ? form.get('Value') : null)
  const id = form.get('InstanceId')
  if (!type || !id) return moto.pass()
  const seen = await lookup(moto, [id])
  if (!seen) return moto.pass()
  if (reportedState(ec2, id, seen.get(id)?.state ?? '') !== 'stopped')
    return ec2Refusal('IncorrectInstanceState', `The instance '${id}' is not in the 'stopped' state.`)
  // moto takes any type here; AWS refuses an unknown one (RunInstances' wording, which AWS uses for InstanceType values).
  const known = await moto.ask({Action: 'DescribeInstanceTypes', Version: VERSION, 'InstanceType.1': type})
  if (known.status === 400) return ec2Refusal('InvalidParameterValue', `Invalid value '${type}' for InstanceType.`)
  return moto.pass()
}

/** `instanceState` rewritten; with a state filter, moto filters the rest and the proxy filters states. */
export async function describeInstances(ec2: SlowEc2, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const {rest, wanted} = ec2.transitions.size ? splitStateFilters(form) : {rest: form, wanted: []}
  const answer = await moto.pass(wanted.length ? rest.toString() : undefined)
  if (answer.status !== 200) return answer
  const xml = answer.body.toString()
  const edits: Edit[] = []
  for (const reservation of select(xml, ['DescribeInstancesResponse', 'reservationSet', 'item'])) {
    const instances = select(xml, ['instancesSet', 'item'], reservation)
    const own: Edit[] = []
    let kept = 0
    for (const instance of instances) {
      const id = textAt(xml, instance, ['instanceId']) ?? ''
      const motoState = textAt(xml, instance, ['instanceState', 'name']) ?? ''
      const state = reportedState(ec2, id, motoState)
      if (!wanted.every((w) => w.has(state) || w.has(String(CODES[state])))) {
        own.push({start: instance.start, end: instance.end, text: ''})
        continue
      }
      kept++
      const span = child(xml, instance, 'instanceState')
      if (span && state !== motoState) own.push({start: span.start, end: span.end, text: stateXml('instanceState', state)})
    }
    if (kept === 0 && instances.length > 0) edits.push({start: reservation.start, end: reservation.end, text: ''})
    else edits.push(...own)
  }
  return rewritten(answer, xml, edits, 'state')
}

/** Pending instances are left out (or `not-applicable` with IncludeAllInstances); a started one is `initializing` for a while. */
export async function describeInstanceStatus(ec2: SlowEc2, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const includeAll = form.get('IncludeAllInstances') === 'true'
  const answer = await moto.pass()
  if (answer.status !== 200) return answer
  const xml = answer.body.toString()
  const edits: Edit[] = []
  for (const item of select(xml, ['DescribeInstanceStatusResponse', 'instanceStatusSet', 'item'])) {
    const id = textAt(xml, item, ['instanceId']) ?? ''
    const motoState = textAt(xml, item, ['instanceState', 'name']) ?? ''
    const state = reportedState(ec2, id, motoState)
    const replace = (name: string, text: string) => {
      const span = child(xml, item, name)
      if (span) edits.push({start: span.start, end: span.end, text})
    }
    if (state === 'pending' && !includeAll) {
      edits.push({start: item.start, end: item.end, text: ''})
      continue
    }
    if (state !== motoState) replace('instanceState', stateXml('instanceState', state))
    const checks = state === 'pending' ? 'not-applicable' : initializing(ec2, id) ? 'initializing' : undefined
    if (checks) for (const name of ['instanceStatus', 'systemStatus']) replace(name, checksXml(name, checks))
  }
  return rewritten(answer, xml, edits, 'status')
}

/** moto always says `standard`; the ids set to `unlimited` say so. */
export async function describeCredits(ec2: SlowEc2, moto: MotoLink): Promise<SlowAnswer> {
  const answer = await moto.pass()
  if (answer.status !== 200) return answer
  const xml = answer.body.toString()
  const edits: Edit[] = []
  for (const item of select(xml, ['DescribeInstanceCreditSpecificationsResponse', 'instanceCreditSpecificationSet', 'item'])) {
    const wanted = ec2.credits.get(textAt(xml, item, ['instanceId']) ?? '')
    const span = child(xml, item, 'cpuCredits')
    if (wanted && span) edits.push({start: span.start, end: span.end, text: `<cpuCredits>${wanted}</cpuCredits>`})
  }
  return rewritten(answer, xml, edits, 'credits')
}

/** moto lacks ModifyInstanceCreditSpecification (HTTP 500): the proxy keeps the value and answers as AWS. */
export function modifyCredits(ec2: SlowEc2, form: URLSearchParams): SlowAnswer {
  const items: string[] = []
  for (let n = 1; form.has(`InstanceCreditSpecification.${n}.InstanceId`); n++) {
    const id = form.get(`InstanceCreditSpecification.${n}.InstanceId`) as string
    ec2.credits.set(id, form.get(`InstanceCreditSpecification.${n}.CpuCredits`) ?? 'standard')
    items.push(`<item><instanceId>${id}</instanceId></item>`)
  }
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ModifyInstanceCreditSpecificationResponse xmlns="http://ec2.amazonaws.com/doc/${VERSION}/">` +
    `<requestId>proxy-${Date.now()}</requestId><successfulInstanceCreditSpecificationSet>${items.join('')}</successfulInstanceCreditSpecificationSet>` +
    `<unsuccessfulInstanceCreditSpecificationSet/></ModifyInstanceCreditSpecificationResponse>`
  return {status: 200, headers: {'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body))}, body: Buffer.from(body), rewritten: 'credits'}
}

/** moto's view of the instances, or undefined when it refuses (e.g. an unknown id: then moto answers the call itself). */
async function lookup(moto: MotoLink, ids: string[]): Promise<Map<string, Seen> | undefined> {
  const params: Record<string, string> = {Action: 'DescribeInstances', Version: VERSION}
  for (const [i, id] of ids.entries()) params[`InstanceId.${i + 1}`] = id
  const answer = await moto.ask(params)
  if (answer.status !== 200 || ids.length === 0) return undefined
  const xml = answer.body.toString()
  const seen = new Map<string, Seen>()
  for (const i of select(xml, ['DescribeInstancesResponse', 'reservationSet', 'item', 'instancesSet', 'item'])) {
    seen.set(textAt(xml, i, ['instanceId']) ?? '', {
      state: (textAt(xml, i, ['instanceState', 'name']) ?? '') as StateName,
      type: textAt(xml, i, ['instanceType']) ?? '',
      zone: textAt(xml, i, ['placement', 'availabilityZone']) ?? '',
    })
  }
  return seen
}

/** AWS's wording for a start it has no room for (a server error: HTTP 500, which SDKs retry). */
function capacityError(instance: Seen): SlowAnswer {
  const others = ['a', 'b', 'c', 'd'].map((z) => instance.zone.slice(0, -1) + z).filter((z) => z !== instance.zone)
  const message =
    `We currently do not have sufficient ${instance.type} capacity in the Availability Zone you requested (${instance.zone}). ` +
    `Our system will be working on provisioning additional capacity. You can currently get ${instance.type} capacity by not ` +
    `specifying an Availability Zone in your request or choosing ${others.join(', ')}.`
  return {...ec2Refusal('InsufficientInstanceCapacity', message), status: 500}
}

/** Start/Stop answers: a changed instance goes `from → to`; one left as it was reports its state twice, as AWS does. */
function rewriteChanges(answer: Answer, root: string, before: Map<string, StateName>, to: StateName): SlowAnswer {
  const xml = answer.body.toString()
  const edits: Edit[] = []
  for (const item of select(xml, [root, 'instancesSet', 'item'])) {
    const from = before.get(textAt(xml, item, ['instanceId']) ?? '')
    if (!from) continue
    const changed = from === 'stopped' ? to === 'pending' : from === 'running' && to === 'stopping'
    for (const [name, state] of [['currentState', changed ? to : from], ['previousState', from]] as const) {
      const span = child(xml, item, name)
      if (span) edits.push({start: span.start, end: span.end, text: stateXml(name, state)})
    }
  }
  return rewritten(answer, xml, edits, 'state')
}

function rewritten(answer: Answer, xml: string, edits: Edit[], mark: SlowAnswer['rewritten']): SlowAnswer {
  if (edits.length === 0) return answer
  const body = Buffer.from(applyEdits(xml, edits))
  return {...answer, headers: {...answer.headers, 'content-length': String(body.length)}, body, rewritten: mark}
}

function stateXml(element: string, state: StateName): string {
  return `<${element}><code>${CODES[state]}</code><name>${state}</name></${element}>`
}

function checksXml(element: string, status: string): string {
  const detail = status === 'not-applicable' ? '' : `<details><item><name>reachability</name><status>${status}</status></item></details>`
  return `<${element}>${detail}<status>${status}</status></${element}>`
}

/** The request without its instance-state filters (renumbered), and the state sets those asked for. */
function splitStateFilters(form: URLSearchParams): {rest: URLSearchParams; wanted: Set<string>[]} {
  const rest = new URLSearchParams()
  const filters = new Map<string, {name: string; values: string[]}>()
  for (const [key, value] of form) {
    const m = /^Filter\.(\d+)\.(Name|Value\.\d+)$/.exec(key)
    if (!m) {
      rest.append(key, value)
      continue
    }
    const f = filters.get(m[1] as string) ?? {name: '', values: []}
    filters.set(m[1] as string, f)
    if (m[2] === 'Name') f.name = value
    else f.values.push(value)
  }
  const wanted: Set<string>[] = []
  let n = 0
  for (const f of filters.values()) {
    if (f.name === 'instance-state-name' || f.name === 'instance-state-code') {
      wanted.push(new Set(f.values))
      continue
    }
    n++
    rest.append(`Filter.${n}.Name`, f.name)
    for (const [i, v] of f.values.entries()) rest.append(`Filter.${n}.Value.${i + 1}`, v)
  }
  return {rest, wanted}
}
