/**
 * Reading and writing AWS requests on the wire, for the latency proxy: what
 * a request is (SigV4 scope, query `Action` or JSON `X-Amz-Target`), the
 * throttling errors each protocol uses, and plain forwarding.
 */
import {type Agent, type IncomingMessage, request} from 'node:http'

import {escapeXml} from './xml-spans.ts'

export interface RecordedRequest {
  method: string
  path: string
  /** `query` (Action=... form: STS, EC2, RDS, IAM) or `json` (X-Amz-Target: Cost Explorer, CloudWatch). */
  protocol: 'query' | 'json'
  /** From the SigV4 credential scope: `sts`, `ec2`, `ce`, `monitoring`... */
  service?: string
  region?: string
  /** `AssumeRole`, `DescribeInstances`, `GetCostAndUsage`... */
  action?: string
  /** The access key that signed the request. */
  accessKeyId?: string
  /**
   * The account acted in, when known: the role's account for credentials the
   * proxy saw AssumeRole hand out; for an AssumeRole, the account of the role
   * asked for. Undefined for the hub's other calls.
   */
  accountId?: string
  /** For AssumeRole: the role asked for, and the ExternalId sent if any. */
  roleArn?: string
  externalId?: string
  /** HTTP status returned (0 for a dropped connection). */
  status?: number
  /** Set when the answer was an injected fault. */
  fault?: FaultKind
  /** Date.now() when the request arrived and when its answer was sent. */
  startedAt: number
  endedAt?: number
  /** True when the proxy replayed a kept answer instead of asking moto (see LatencyProxy.setReplay). */
  replayed?: boolean
  /** How long moto itself took to answer (the added delay excluded). */
  upstreamMs?: number
  /** The error code of a 4xx/5xx answer (moto's, or one the proxy made). */
  errorCode?: string
  /**
   * Set when slow-AWS mode changed moto's answer (`state`, `status`,
   * `credits`, `db`) or answered in moto's place with an AWS refusal
   * (`refused`); see slow-aws.ts.
   */
  rewritten?: 'state' | 'status' | 'credits' | 'db' | 'refused'
}

export type FaultKind = 'throttle' | 'drop' | 'error' | 'slow' | 'silent' | 'stall'

export interface Fault {
  /** Match only this action (e.g. `AssumeRole`); default any. */
  action?: string
  /** Match only this service (e.g. `ec2`); default any. */
  service?: string
  /** Match only requests acting in this account (see RecordedRequest.accountId). */
  accountId?: string
  /** How many matching requests get the fault (default 1). */
  times?: number
  /**
   * `throttle`: the service's own throttling error (EC2: 503
   * RequestLimitExceeded; other query services: 400 Throttling; JSON: 400
   * ThrottlingException); `drop`: the connection is closed without an
   * answer; `error`: `status` (default 500) with `code` and `message`;
   * `slow`: answered normally after `delayMs` more (default 1000);
   * `silent`: the request is read and never answered, nor sent to moto,
   * until the client gives up or the proxy stops (status 0); `stall`: moto
   * answers, and the client gets the status line, the headers (with the real
   * content-length) and the first `partialBytes` of the body, then nothing
   * more (the call took effect in moto, as a lost answer on AWS would).
   */
  kind: FaultKind
  delayMs?: number
  /** For `stall`: how much of the body is sent before it stalls (default: half). */
  partialBytes?: number
  status?: number
  code?: string
  message?: string
}

export interface WireResponse {
  status: number
  headers: Record<string, string | string[]>
  body: Buffer | string
}

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    message.on('data', (chunk: Buffer) => chunks.push(chunk))
    message.once('end', () => resolve(Buffer.concat(chunks)))
    message.once('error', reject)
  })
}

/** What the request is; `accountOfKey` maps role access keys seen so far to their account. */
export function describeRequest(req: IncomingMessage, body: Buffer, accountOfKey: Map<string, string>): RecordedRequest {
  const record: RecordedRequest = {method: req.method ?? 'GET', path: req.url ?? '/', protocol: 'query', startedAt: Date.now()}
  // Credential=AKID/20240101/us-east-1/sts/aws4_request
  const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(req.headers.authorization ?? '')
  if (scope) {
    record.accessKeyId = scope[1]
    record.region = scope[2]
    record.service = scope[3]
    record.accountId = accountOfKey.get(scope[1] as string)
  }
  const amzTarget = req.headers['x-amz-target']
  if (typeof amzTarget === 'string') {
    record.protocol = 'json'
    record.action = amzTarget.slice(amzTarget.lastIndexOf('.') + 1)
    return record
  }
  const form = formOf(req, body)
  record.action = form.get('Action') ?? undefined
  if (record.action === 'AssumeRole') {
    record.roleArn = form.get('RoleArn') ?? undefined
    record.externalId = form.get('ExternalId') ?? undefined
    record.accountId = /^arn:[^:]+:iam::(\d{12}):/.exec(record.roleArn ?? '')?.[1]
  }
  return record
}

/** The parameters of a query-protocol request: its form body, or its URL query (`Action` from either). */
export function formOf(req: RequestHead, body: Buffer): URLSearchParams {
  const query = new URL(req.url ?? '/', 'http://proxy').searchParams
  const isForm = (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')
  const form = isForm ? new URLSearchParams(body.toString('utf8')) : query
  if (!form.has('Action') && query.has('Action')) form.set('Action', query.get('Action') as string)
  return form
}

/** The access key in a successful AssumeRole answer. */
export function issuedAccessKey(body: Buffer): string | undefined {
  return /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(body.toString('utf8'))?.[1]
}

/** The error answer a fault stands for, in the request's protocol. */
export function faultResponse(fault: Fault, record: RecordedRequest): WireResponse {
  const throttle = fault.kind === 'throttle'
  const json = record.protocol === 'json'
  const ec2 = record.service === 'ec2'
  const throttleCode = json ? 'ThrottlingException' : ec2 ? 'RequestLimitExceeded' : 'Throttling'
  const code = fault.code ?? (throttle ? throttleCode : 'InternalError')
  const message = fault.message ?? (throttle ? 'Rate exceeded' : 'Injected fault')
  const status = fault.status ?? (throttle ? (ec2 ? 503 : 400) : 500)
  const requestId = `proxy-${record.startedAt}`
  if (!json) return queryError({code, message, status, ec2, requestId})
  return {
    status,
    headers: {'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId},
    body: JSON.stringify({__type: code, message}),
  }
}

/** An error answer of a query-protocol service, shaped as EC2 (`<Response><Errors>`) or as STS/RDS/IAM (`<ErrorResponse>`). */
export function queryError(e: {code: string; message: string; status: number; ec2: boolean; requestId?: string}): WireResponse & {body: Buffer} {
  const requestId = e.requestId ?? `proxy-${Date.now()}`
  const message = escapeXml(e.message)
  const body = e.ec2
    ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${e.code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
    : `<ErrorResponse><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  return {status: e.status, headers: {'content-type': 'text/xml', 'content-length': String(Buffer.byteLength(body))}, body: Buffer.from(body)}
}

/** The error code of an error answer in either protocol. */
export function errorCodeOf(answer: WireResponse): string | undefined {
  if (answer.status < 400) return undefined
  const text = answer.body.toString()
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(text)?.[1]
}

/** `answer` with its body replaced (and its content-length with it). */
export function withBody(answer: WireResponse, body: string): WireResponse & {body: Buffer} {
  const data = Buffer.from(body)
  return {...answer, headers: {...answer.headers, 'content-length': String(data.length)}, body: data}
}

/** What `forward` needs of a request: the client's own, or one the proxy builds on its headers. */
export type RequestHead = Pick<IncomingMessage, 'method' | 'url' | 'headers'>

/** Sends the request on to `target` as it came (or with another body), and returns the whole answer. */
export function forward(agent: Agent, target: URL, req: RequestHead, body: Buffer): Promise<WireResponse & {body: Buffer}> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {...withoutHopByHop(req.headers), 'content-length': String(body.length)},
        agent,
      },
      (response) => {
        readBody(response).then(
          (data) =>
            resolve({
              status: response.statusCode ?? 502,
              headers: {...withoutHopByHop(response.headers), 'content-length': String(data.length)},
              body: data,
            }),
          reject,
        )
      },
    )
    upstream.once('error', reject)
    upstream.end(body)
  })
}

/** Headers that describe one connection, not the message; the body is re-sent whole. */
function withoutHopByHop(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) continue
    kept[name] = value
  }
  return kept
}
