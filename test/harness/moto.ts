/**
 * A real moto_server (the AWS emulator) on 127.0.0.1 and a port the kernel
 * picks, plus the helpers tests use with it. Each AssumeRole into
 * `arn:aws:iam::<id>:role/...` gives that account id its own state; the hub
 * credentials (any key moto has not issued) act in moto's default account.
 */
import {spawn} from 'node:child_process'

import {requireBinary, stopChild, tail, track, waitForOutput} from './process.ts'

export {tempDir, removeTempDirs} from './temp-dirs.ts'
export {fleetEnv, runFleet, startFleet, writeProfile, type FleetEnv, type FleetRun, type RunFleetOptions, type RunningFleet} from './cli.ts'
export {
  HUB_CREDENTIALS,
  TEST_AMI,
  accountEc2,
  roleArn,
  roleCredentials,
  seedAccount,
  uniqueAccountId,
  type SeedAccountOptions,
  type SeedInstance,
  type SeededAccount,
  type SeededInstance,
} from './seed.ts'

/** Anything with an AWS endpoint: a Moto, or a latency proxy in front of one. */
export interface Endpoint {
  /** `http://127.0.0.1:PORT` */
  endpoint: string
}

export interface Moto extends Endpoint {
  port: number
  /** Clears every account's state (`POST /moto-api/reset`). */
  reset(): Promise<void>
  /** Stops the server. */
  stop(): Promise<void>
  /** The last lines moto printed (its request log), for failing tests. */
  log(): string
}

/** Starts moto_server on 127.0.0.1 with a free port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const binary = requireBinary('moto_server', "pip install 'moto[server]'")
  const env = {...process.env}
  // Per-account state comes from AssumeRole; a fixed account would merge them.
  delete env.MOTO_ACCOUNT_ID
  // `-p 0`: the kernel picks the port, and moto prints the one it got, so
  // there is no window in which another process could take it.
  const child = track(spawn(binary, ['-H', '127.0.0.1', '-p', '0'], {stdio: ['ignore', 'pipe', 'pipe'], env}))
  const log = tail(child, 8000)
  let port: number
  try {
    const match = await waitForOutput(child, /Running on http:\/\/127\.0\.0\.1:(\d+)/, 'moto_server', 60_000)
    port = Number(match[1])
    await waitUntilAnswers(`http://127.0.0.1:${port}`)
  } catch (error) {
    await stopChild(child)
    throw error
  }
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    port,
    log,
    reset: () => resetMoto({endpoint}),
    async stop() {
      await stopChild(child)
    },
  }
}

/** Clears every account's state in moto; through a latency proxy, in every moto behind it. */
export async function resetMoto(target: Endpoint): Promise<void> {
  await motoApi(target, '/moto-api/reset', {})
}

/**
 * Queues Cost Explorer answers for `accountId`: each GetCostAndUsage with
 * new parameters takes the next one (the same parameters get the same answer
 * again); an empty queue answers with no results. Each item is a
 * GetCostAndUsage response body (`{ResultsByTime: [...], ...}`).
 */
export async function queueCostResults(target: Endpoint, accountId: string, results: unknown[]): Promise<void> {
  await motoApi(target, '/moto-api/static/ce/cost-and-usage-results', {account_id: accountId, results})
}

async function motoApi(target: Endpoint, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${target.endpoint}${path}`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`moto ${path} answered ${response.status}: ${await response.text()}`)
}

async function waitUntilAnswers(endpoint: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${endpoint}/moto-api/config`)
      await response.arrayBuffer()
      if (response.ok) return
      last = `HTTP ${response.status}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`moto_server at ${endpoint} did not answer within ${timeoutMs} ms: ${last}`)
}
