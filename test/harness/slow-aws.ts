/**
 * Slow-AWS mode of the latency proxy: where moto is instant or lenient, the
 * proxy reports and refuses what real AWS would, per instance and per DB,
 * in the state it reports (never by holding an answer back). See
 * slow-ec2.ts and slow-rds.ts for the rules, README.md for the use.
 */
import type {RecordedRequest} from './aws-wire.ts'
import {type DbTiming, type SlowRds, describeDbInstances, modifyDbInstance} from './slow-rds.ts'
import {
  type InstanceTiming,
  type SlowEc2,
  describeCredits,
  describeInstanceStatus,
  describeInstances,
  modifyCredits,
  modifyInstanceAttribute,
  startInstances,
  stopInstances,
} from './slow-ec2.ts'
import type {MotoLink, SlowAnswer} from './slow-link.ts'

export type {DbTiming} from './slow-rds.ts'
export type {InstanceTiming} from './slow-ec2.ts'

export interface SlowAwsOptions extends InstanceTiming {
  /** Timing per instance id, over the defaults (`transitionMs` 300, `initializingMs` 300). */
  instances?: Record<string, InstanceTiming>
  /** Timing per DB identifier: only these DBs are slowed, unless `db` is set. */
  dbs?: Record<string, DbTiming>
  /** Timing for every other DB. */
  db?: DbTiming
}

/** The controls of slow-AWS mode, from `proxy.slowAws()`. */
export interface SlowAws {
  /** Sets one instance's timing (later transitions use it). */
  setTiming(instanceId: string, timing: InstanceTiming): void
  /** The next `times` StartInstances naming this (stopped) instance fail with InsufficientInstanceCapacity (HTTP 500). */
  failStart(instanceId: string, times?: number): void
  /** DescribeInstanceCreditSpecifications reports `credits` for the instance (moto always says `standard`). */
  setCpuCredits(instanceId: string, credits: 'unlimited' | 'standard'): void
  /** ModifyDBInstance on this identifier opens the `available`/`modifying` window. */
  slowDb(identifier: string, timing?: DbTiming): void
  /** Turns slow-AWS mode off and forgets every transition, failure and setting. */
  off(): void
}

export interface SlowAwsEngine {
  controls: SlowAws
  /** Turns the mode on (again) with these options merged in. */
  configure(options: SlowAwsOptions): void
  /** True when slow-AWS mode answers this request. */
  handles(record: RecordedRequest): boolean
  answer(record: RecordedRequest, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer>
}

const EC2_ACTIONS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'StartInstances',
  'StopInstances',
  'ModifyInstanceAttribute',
  'DescribeInstanceCreditSpecifications',
  'ModifyInstanceCreditSpecification',
])
const RDS_ACTIONS = new Set(['ModifyDBInstance', 'DescribeDBInstances'])

export function createSlowAws(): SlowAwsEngine {
  let on = false
  let defaults: Required<InstanceTiming> = {transitionMs: 300, initializingMs: 300}
  const perInstance = new Map<string, InstanceTiming>()
  const perDb = new Map<string, DbTiming>()
  let anyDb: DbTiming | undefined
  const ec2: SlowEc2 = {
    timing: (id) => ({...defaults, ...perInstance.get(id)}),
    transitions: new Map(),
    capacityFailures: new Map(),
    credits: new Map(),
  }
  const rds: SlowRds = {timing: (identifier) => perDb.get(identifier) ?? anyDb, windows: new Map()}

  const controls: SlowAws = {
    setTiming: (id, timing) => perInstance.set(id, {...perInstance.get(id), ...timing}),
    failStart: (id, times = 1) => ec2.capacityFailures.set(id, (ec2.capacityFailures.get(id) ?? 0) + times),
    setCpuCredits: (id, credits) => ec2.credits.set(id, credits),
    slowDb: (identifier, timing = {}) => perDb.set(identifier, timing),
    off() {
      on = false
      defaults = {transitionMs: 300, initializingMs: 300}
      anyDb = undefined
      for (const m of [perInstance, perDb, ec2.transitions, ec2.capacityFailures, ec2.credits, rds.windows]) m.clear()
    },
  }

  return {
    controls,
    configure(options) {
      on = true
      const {instances, dbs, db, ...timing} = options
      defaults = {...defaults, ...timing}
      for (const [id, t] of Object.entries(instances ?? {})) controls.setTiming(id, t)
      for (const [identifier, t] of Object.entries(dbs ?? {})) controls.slowDb(identifier, t)
      if (db) anyDb = db
    },
    handles: (record) =>
      on && ((record.service === 'ec2' && EC2_ACTIONS.has(record.action ?? '')) || (record.service === 'rds' && RDS_ACTIONS.has(record.action ?? ''))),
    answer(record, form, moto) {
      const account = record.accountId ?? record.accessKeyId ?? ''
      switch (record.action) {
        case 'DescribeInstances':
          return describeInstances(ec2, form, moto)
        case 'DescribeInstanceStatus':
          return describeInstanceStatus(ec2, form, moto)
        case 'StartInstances':
          return startInstances(ec2, form, moto)
        case 'StopInstances':
          return stopInstances(ec2, form, moto)
        case 'ModifyInstanceAttribute':
          return modifyInstanceAttribute(ec2, form, moto)
        case 'DescribeInstanceCreditSpecifications':
          return describeCredits(ec2, moto)
        case 'ModifyInstanceCreditSpecification':
          return Promise.resolve(modifyCredits(ec2, form))
        case 'ModifyDBInstance':
          return modifyDbInstance(rds, account, form, moto)
        case 'DescribeDBInstances':
          return describeDbInstances(rds, account, moto)
        default:
          return moto.pass()
      }
    },
  }
}
