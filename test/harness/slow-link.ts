/**
 * What the slow-AWS handlers (slow-ec2.ts, slow-rds.ts) get from the proxy:
 * a way to pass the client's call on to moto, and to ask moto something
 * else first on the same credentials.
 */
import type {Agent} from 'node:http'

import {type RecordedRequest, type RequestHead, type WireResponse, forward, queryError} from './aws-wire.ts'

export type Answer = WireResponse & {body: Buffer}

/** An answer, and what slow-AWS mode did to it (see RecordedRequest.rewritten). */
export type SlowAnswer = Answer & {rewritten?: RecordedRequest['rewritten']}

export interface MotoLink {
  /** The client's request, sent on to moto as it came (or with another form body). */
  pass(body?: string): Promise<Answer>
  /**
   * Another query-protocol call to moto, on the client's headers: moto reads
   * the account from the access key and does not check signatures.
   */
  ask(params: Record<string, string>): Promise<Answer>
}

export function motoLink(agent: Agent, target: URL, req: RequestHead, body: Buffer): MotoLink {
  const asForm = {...req, method: 'POST', headers: {...req.headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8'}}
  return {
    pass: (replaced) => (replaced === undefined ? forward(agent, target, req, body) : forward(agent, target, asForm, Buffer.from(replaced))),
    ask: (params) => forward(agent, target, asForm, Buffer.from(new URLSearchParams(params).toString())),
  }
}

/** An EC2 error answer (400 unless changed), made by the proxy. */
export function ec2Refusal(code: string, message: string): SlowAnswer {
  return {...queryError({code, message, status: 400, ec2: true}), rewritten: 'refused'}
}

/** The values of `Name.1`, `Name.2`, ... in order. */
export function indexedParams(form: URLSearchParams, name: string): string[] {
  const values: string[] = []
  for (let n = 1; form.has(`${name}.${n}`); n++) values.push(form.get(`${name}.${n}`) as string)
  return values
}
