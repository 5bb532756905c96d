/**
 * The building blocks of `fleet loadtest` share these shapes: an engine runs
 * one step, the hosts are sampled during it, and a step record joins both.
 * The JSON contract (spec section 5, `loadtest`) is `LoadtestReport`.
 */

/** One load step, as an engine runs it. */
export interface StepSpec {
  /** The URL as written: its host name and port go in `Host` and TLS (src/loadtest/pin.ts). */
  url: string
  /** The IP address every connection goes to (the LB's); without it the URL's host must be an IP address. DNS is never used. */
  address?: string
  /** Virtual users: one keep-alive connection each. */
  users: number
  /** Each user waits this long after a response before its next request (0: as fast as it can). */
  thinkMs: number
  /** The measured part of the step. */
  durationMs: number
  /** Load before the measured part, not counted (the same users carry on into it). */
  warmupMs?: number
  /** Aborting it stops the load at once; the engine returns what it measured. */
  signal?: AbortSignal
}

/** Latency percentiles in milliseconds; null when no response came back. */
export interface LatencyMs {
  p50: number | null
  p95: number | null
  p99: number | null
}

/** What an engine measured in one step (warm-up excluded). */
export interface StepResult {
  /** Responses per second over the measured window. */
  rps: number
  latencyMs: LatencyMs
  /** Requests that got no HTTP answer: connection errors and timeouts. */
  errors: number
  /** Answers outside 2xx. */
  non2xx: number
  /** Responses received (any status). */
  requests: number
  /** The measured window, epoch ms: host samples are cut to it. */
  measuredFrom: number
  measuredTo: number
  /** True when the signal ended the step early. */
  aborted: boolean
  /** The load generator's own CPU over the window, % of one core (in-process engine only). */
  generatorCpu?: number
}

/** Runs one step (autocannon in-process, or Artillery). */
export type LoadEngine = (step: StepSpec) => Promise<StepResult>

export type EngineName = 'autocannon' | 'artillery'

/** One architecture of the run, as the table and the page show it. */
export interface ArchInfo {
  arch: string
  /** The LB's instance type. */
  lbType: string
  /** App server account names. */
  apps: string[]
  /** The URL the load went to, when it is not the report's `target` as written (the LB's IP of the time). */
  target?: string
  /** `ip:port` the load and its checks connected to: the LB's IP of the time. */
  address?: string
}

/** Where the load connected (the report's `address`): never through DNS. */
export interface TargetAddress {
  /** The LB's account. */
  account: string
  /** Which of its IPs (`loadtest.address`). */
  kind: 'public' | 'private'
  /** `ip:port` of the last architecture measured (each one's is in `architectures`); null before the first is up. */
  at: string | null
}

/** CPU busy %, averaged over the measured window; null when not sampled. */
export interface StepCpu {
  lb: number | null
  /** The busiest single core of the LB (one nginx worker saturates one core only). */
  lbMaxCore?: number | null
  apps: Record<string, number | null>
}

/** One step of the JSON report (spec section 5), plus fields it allows to be added. */
export interface StepRecord {
  arch: string
  users: number
  rps: number
  latencyMs: LatencyMs
  errors: number
  non2xx: number
  requests: number
  cpu: StepCpu
  /** Bytes through the LB's network interfaces (rx + tx, loopback excluded); null when not sampled. */
  lbBytes: number | null
  /** nginx's error log said "worker_connections are not enough" during the step. */
  nginxWorkerConnections: boolean
  generatorCpu?: number | null
  aborted?: boolean
  /** The measured window (ISO 8601, UTC): to find the step in logs and metrics. */
  from?: string
  to?: string
}

export type Bottleneck = 'lb-cpu' | 'app-cpu' | 'nginx-connections' | 'outside-fleet' | 'none'

export interface Verdict {
  arch: string
  bottleneck: Bottleneck
  /** The figures that led to it, in one sentence. */
  why: string
}

/** The run's cost (src/loadtest/cost.ts). */
export interface RunCost {
  totalUsd: number
  instances: Array<{type: string; hours: number; usd: number; free: boolean; priceKnown: boolean}>
  /** Free-tier instance-hours the run used. */
  freeTierHours: number
  /** Public IPv4 hours at the list price (EC2's free tier may cover them: an upper bound). */
  publicIpv4: {hours: number; usd: number}
  /** The LB's bytes at the regional (inter-EC2) rate. */
  transfer: {bytes: number; gb: number; usd: number}
}

/** The `loadtest` JSON (spec section 5); fields may be added, never renamed. */
export interface LoadtestReport {
  /** The run's id: the name of its folder under `$FLEET_HOME/runs/`. */
  run: string
  /** The URL as written (its host name and port are the Host and TLS name). */
  target: string
  /** Where the load connected (always written by a run). */
  address?: TargetAddress
  engine: EngineName
  thinkMs: number
  durationMs: number
  architectures: ArchInfo[]
  steps: StepRecord[]
  verdicts: Verdict[]
  costUsd: number
  cost: RunCost
  /** The HTML page's path. */
  report: string
  /** Ctrl-C ended the run: the steps are those measured so far. */
  interrupted: boolean
}
