/**
 * Slow RDS for the latency proxy: moto applies ModifyDBInstance at once. AWS
 * answers the call, may still say `available` for a moment (a waiter that
 * looks then is fooled), then says `modifying` for minutes, and shows the
 * new PubliclyAccessible only when it is `available` again. The proxy keeps
 * the old flag for that window and reports those statuses.
 */
import type {MotoLink, SlowAnswer} from './slow-link.ts'
import {type Edit, applyEdits, child, select, textAt} from './xml-spans.ts'

export interface DbTiming {
  /** After ModifyDBInstance: how long the DB still says `available` with its old settings (ms, default 0). */
  availableMs?: number
  /** Then how long it says `modifying`, still with its old PubliclyAccessible (ms, default 300). */
  modifyingMs?: number
}

interface DbWindow {
  oldPublic: string
  modifyingAt: number
  doneAt: number
}

export interface SlowRds {
  /** Timing for a DB identifier; undefined: moto's own behaviour. */
  timing: (identifier: string) => DbTiming | undefined
  /** Open windows, by `account|identifier`. */
  windows: Map<string, DbWindow>
}

export async function modifyDbInstance(rds: SlowRds, account: string, form: URLSearchParams, moto: MotoLink): Promise<SlowAnswer> {
  const identifier = form.get('DBInstanceIdentifier') ?? ''
  const timing = rds.timing(identifier)
  if (!timing) return moto.pass()
  const before = await moto.ask({Action: 'DescribeDBInstances', Version: form.get('Version') ?? '2014-10-31', DBInstanceIdentifier: identifier})
  const answer = await moto.pass()
  if (answer.status !== 200 || before.status !== 200) return answer
  const beforeXml = before.body.toString()
  const [db] = select(beforeXml, ['DescribeDBInstancesResponse', 'DescribeDBInstancesResult', 'DBInstances', 'DBInstance'])
  const oldPublic = db ? textAt(beforeXml, db, ['PubliclyAccessible']) : undefined
  if (oldPublic === undefined) return answer
  const now = Date.now()
  const modifyingAt = now + (timing.availableMs ?? 0)
  const window = {oldPublic, modifyingAt, doneAt: modifyingAt + (timing.modifyingMs ?? 300)}
  rds.windows.set(`${account}|${identifier}`, window)
  return rewriteDbs(rds, account, answer, ['ModifyDBInstanceResponse', 'ModifyDBInstanceResult', 'DBInstance'])
}

export async function describeDbInstances(rds: SlowRds, account: string, moto: MotoLink): Promise<SlowAnswer> {
  const answer = await moto.pass()
  if (answer.status !== 200 || rds.windows.size === 0) return answer
  return rewriteDbs(rds, account, answer, ['DescribeDBInstancesResponse', 'DescribeDBInstancesResult', 'DBInstances', 'DBInstance'])
}

function rewriteDbs(rds: SlowRds, account: string, answer: SlowAnswer, path: string[]): SlowAnswer {
  const xml = answer.body.toString()
  const edits: Edit[] = []
  const now = Date.now()
  for (const db of select(xml, path)) {
    const key = `${account}|${textAt(xml, db, ['DBInstanceIdentifier']) ?? ''}`
    const window = rds.windows.get(key)
    if (!window) continue
    if (now >= window.doneAt) {
      rds.windows.delete(key)
      continue
    }
    const status = now < window.modifyingAt ? 'available' : 'modifying'
    for (const [name, value] of [['DBInstanceStatus', status], ['PubliclyAccessible', window.oldPublic]]) {
      const span = child(xml, db, name as string)
      if (span) edits.push({start: span.start, end: span.end, text: `<${name}>${value}</${name}>`})
    }
  }
  if (edits.length === 0) return answer
  const body = Buffer.from(applyEdits(xml, edits))
  return {...answer, headers: {...answer.headers, 'content-length': String(body.length)}, body, rewritten: 'db'}
}
