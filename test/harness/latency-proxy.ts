/**
 * An HTTP proxy in front of moto that does what moto cannot: it adds a fixed
 * delay to every AWS request (to measure parallelism), records what was
 * called, by whom and when (to prove order, or that no STS call was made),
 * and injects faults (throttling, dropped connections, silence, stalled
 * answers) to prove retries and deadlines. Its slow-AWS mode (slow-aws.ts)
 * reports the in-between states and refusals of real AWS that moto skips.
 * Point AWS_ENDPOINT_URL at `proxy.endpoint`; the harness helpers
 * (seedAccount, queueCostResults, reset) work through it too.
 *
 * Given several moto servers it shards accounts over them (one moto serves
 * about 70 requests a second, which would dominate a 50-account run): an AssumeRole goes
 * to its account's server, and so does every request signed with the keys it
 * returned. All traffic must then pass through the proxy.
 */
import {Agent, type IncomingMessage, type ServerResponse, createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {
  type Fault,
  type RecordedRequest,
  type WireResponse,
  describeRequest,
  errorCodeOf,
  faultResponse,
  formOf,
  forward,
  issuedAccessKey,
  readBody,
} from './aws-wire.ts'
import {type SlowAws, type SlowAwsOptions, createSlowAws} from './slow-aws.ts'
import {motoLink} from './slow-link.ts'

export type {Fault, FaultKind, RecordedRequest} from './aws-wire.ts'
export type {DbTiming, InstanceTiming, SlowAws, SlowAwsOptions} from './slow-aws.ts'

export type RequestFilter = Partial<Pick<RecordedRequest, 'action' | 'service' | 'accountId' | 'roleArn' | 'fault' | 'errorCode' | 'rewritten'>>

export interface LatencyProxy {
  /** `http://127.0.0.1:PORT` */
  endpoint: string
  /** Every AWS request so far, in arrival order (harness calls to /moto-api/ are neither delayed nor recorded). */
  readonly records: RecordedRequest[]
  /** Records matching every given field. */
  requests(filter?: RequestFilter): RecordedRequest[]
  /** How many records match `filter`. */
  count(filter?: RequestFilter): number
  /** The most requests in flight at once since the start or the last `clear()`. */
  peakInFlight(): number
  /** Forgets the records and the peak; pending faults stay. */
  clear(): void
  /**
   * With replay on, the first 2xx answer moto gives to a call (same service,
   * action, account and role) is kept, and later identical calls get it back
   * without reaching moto: for benchmarks of fleet's own parallelism, where
   * moto's serial service time (~10 ms a call in one Python process) would be
   * what a 50-account run measures. Off forgets what was kept.
   */
  setReplay(on: boolean): void
  /** Changes the delay added to every later request. */
  setDelay(ms: number): void
  /** Queues a fault for the next matching requests. */
  inject(fault: Fault): void
  /**
   * Turns slow-AWS mode on (or merges more options into it) and returns its
   * controls: StartInstances/StopInstances reach moto at once, but the proxy
   * reports `pending`/`stopping`, then status checks `initializing`, for each
   * instance's set time, refuses what AWS refuses in those states, and can
   * keep a modified DB `modifying` with its old PubliclyAccessible. Calls it
   * answers are never replayed.
   */
  slowAws(options?: SlowAwsOptions): SlowAws
  /** Stops the proxy (not moto). */
  stop(): Promise<void>
}

export interface LatencyProxyOptions {
  /** moto's endpoint, or several moto endpoints to shard accounts over. */
  target: string | string[]
  /** Added before each request is forwarded (default 100 ms). */
  delayMs?: number
  /** Starts with slow-AWS mode on (see `LatencyProxy.slowAws`). */
  slowAws?: SlowAwsOptions
}

type PendingFault = Fault & {times: number}

/** Starts the proxy on 127.0.0.1 with a free port. */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const targets = (Array.isArray(options.target) ? options.target : [options.target]).map((t) => new URL(t))
  if (targets.length === 0) throw new Error('startLatencyProxy needs a target')
  let delayMs = options.delayMs ?? 100
  const records: RecordedRequest[] = []
  const faults: PendingFault[] = []
  const accountOfKey = new Map<string, string>()
  let inFlight = 0
  let peak = 0
  // Replay: answers moto gave once, served again (see `setReplay`).
  let replay = false
  const answers = new Map<string, Awaited<ReturnType<typeof forward>>>()
  const agent = new Agent({keepAlive: true, maxSockets: 256})
  const slow = createSlowAws()
  if (options.slowAws) slow.configure(options.slowAws)
  const shard = (accountId: string | undefined) =>
    targets[accountId ? Number(BigInt(accountId) % BigInt(targets.length)) : 0] as URL

  const handleAws = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const record = describeRequest(req, body, accountOfKey)
    records.push(record)
    await sleep(delayMs)
    const fault = takeFault(faults, record)
    if (fault?.kind === 'slow') {
      record.fault = 'slow'
      await sleep(fault.delayMs ?? 1000)
    } else if (fault?.kind === 'silent') {
      return hangUp(record, res)
    } else if (fault && fault.kind !== 'stall') {
      return answerFault(fault, record, res)
    }
    const sent = performance.now()
    const upstream = await answerOf(record, req, body)
    record.upstreamMs = performance.now() - sent
    record.status = upstream.status
    record.errorCode = errorCodeOf(upstream)
    const key = record.action === 'AssumeRole' && upstream.status === 200 ? issuedAccessKey(upstream.body) : undefined
    if (key && record.accountId) accountOfKey.set(key, record.accountId)
    if (fault?.kind === 'stall') return stall(fault, record, res, upstream)
    record.endedAt = Date.now()
    res.writeHead(upstream.status, upstream.headers)
    res.end(upstream.body)
  }

  /** moto's answer: through slow-AWS mode, replayed, or as it comes. */
  const answerOf = async (record: RecordedRequest, req: IncomingMessage, body: Buffer) => {
    const target = shard(record.accountId)
    if (slow.handles(record)) {
      const answer = await slow.answer(record, formOf(req, body), motoLink(agent, target, req, body))
      record.rewritten = answer.rewritten
      return answer
    }
    const replayKey = [record.service, record.action, record.accountId, record.roleArn].join('|')
    const replayed = replay ? answers.get(replayKey) : undefined
    const upstream = replayed ?? (await forward(agent, target, req, body))
    record.replayed = replayed !== undefined
    if (replay && !replayed && upstream.status === 200) answers.set(replayKey, upstream)
    return upstream
  }

  /** Harness calls to moto itself: a reset goes to every server, account data to the account's. */
  const handleMotoApi = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const isReset = (req.url ?? '').startsWith('/moto-api/reset')
    if (isReset) accountOfKey.clear()
    const destinations = isReset ? targets : [shard(accountInJson(body))]
    const answers = await Promise.all(destinations.map((t) => forward(agent, t, req, body)))
    const answer = answers.find((a) => a.status >= 400) ?? (answers[0] as (typeof answers)[0])
    res.writeHead(answer.status, answer.headers)
    res.end(answer.body)
  }

  const server = createServer((req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    readBody(req)
      .then((body) => ((req.url ?? '').startsWith('/moto-api/') ? handleMotoApi(req, body, res) : handleAws(req, body, res)))
      .catch((error: Error) => {
        res.writeHead(502, {'content-type': 'text/plain'})
        res.end(`latency proxy: ${error.message}`)
      })
      .finally(() => inFlight--)
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const matching = (filter: RequestFilter = {}) =>
    records.filter((r) => Object.entries(filter).every(([key, value]) => r[key as keyof RequestFilter] === value))

  return {
    endpoint: `http://127.0.0.1:${port}`,
    records,
    requests: matching,
    count: (filter) => matching(filter).length,
    peakInFlight: () => peak,
    clear() {
      records.length = 0
      peak = inFlight
    },
    setDelay(ms) {
      delayMs = ms
    },
    setReplay(on) {
      replay = on
      if (!on) answers.clear()
    },
    inject(fault) {
      faults.push({...fault, times: fault.times ?? 1})
    },
    slowAws(slowOptions = {}) {
      slow.configure(slowOptions)
      return slow.controls
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}

function takeFault(faults: PendingFault[], record: RecordedRequest): Fault | undefined {
  const index = faults.findIndex(
    (f) =>
      (f.action === undefined || f.action === record.action) &&
      (f.service === undefined || f.service === record.service) &&
      (f.accountId === undefined || f.accountId === record.accountId),
  )
  if (index < 0) return undefined
  const fault = faults[index] as PendingFault
  fault.times -= 1
  if (fault.times <= 0) faults.splice(index, 1)
  return fault
}

function answerFault(fault: Fault, record: RecordedRequest, res: ServerResponse): void {
  record.fault = fault.kind
  record.endedAt = Date.now()
  if (fault.kind === 'drop') {
    record.status = 0
    res.socket?.destroy()
    return
  }
  const answer = faultResponse(fault, record)
  record.status = answer.status
  record.errorCode = errorCodeOf(answer)
  res.writeHead(answer.status, answer.headers)
  res.end(answer.body)
}

/** `silent`: the request is never answered; the record ends when the client gives up or the proxy stops. */
async function hangUp(record: RecordedRequest, res: ServerResponse): Promise<void> {
  record.fault = 'silent'
  record.status = 0
  await closed(res)
  record.endedAt = Date.now()
}

/** `stall`: the status line, the headers and part of the body, then nothing until the connection closes. */
async function stall(fault: Fault, record: RecordedRequest, res: ServerResponse, answer: WireResponse): Promise<void> {
  record.fault = 'stall'
  const body = Buffer.from(answer.body)
  res.writeHead(answer.status, answer.headers)
  const part = body.subarray(0, Math.min(body.length - 1, fault.partialBytes ?? Math.floor(body.length / 2)))
  if (part.length > 0) res.write(part)
  else res.flushHeaders()
  await closed(res)
  record.endedAt = Date.now()
}

/** Resolves when the client's connection is gone (it gave up, or the proxy stopped). */
function closed(res: ServerResponse): Promise<void> {
  if (res.socket === null || res.socket.destroyed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', () => resolve()))
}

/** `account_id` of a moto-api JSON body (e.g. the Cost Explorer queue), if any. */
function accountInJson(body: Buffer): string | undefined {
  try {
    const id = (JSON.parse(body.toString('utf8')) as {account_id?: unknown}).account_id
    return typeof id === 'string' && /^\d{12}$/.test(id) ? id : undefined
  } catch {
    return undefined
  }
}
