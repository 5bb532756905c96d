/**
 * Samples one host during a step over its already-open SSH session: one
 * long-running loop (src/loadtest/proc-stat.ts samplingCommand) whose lines
 * arrive as samples, so sampling costs one `grep` and one `cat` a second on
 * the host and no new connection. It runs on a PTY: stopping it is Ctrl-C,
 * and the hang-up ends the loop even where sshd ignores signal requests.
 */
import type {RemoteShell} from '../remote/types.js'
import {type HostSummary, summarizeHost} from './host-summary.js'
import {type HostSample, SampleParser, samplingCommand} from './proc-stat.js'

export interface HostSampler {
  /** The samples received so far. */
  samples(): HostSample[]
  /** The figures over a window (epoch ms), from the samples received so far. */
  summary(window?: {from: number; to: number}): HostSummary
  /** Ends the remote loop; resolves with every sample. Never rejects. */
  stop(): Promise<HostSample[]>
  /** Set when the loop failed or the connection was lost (the samples before it are kept). */
  error(): Error | null
}

export interface HostSamplerOptions {
  intervalSeconds?: number
  now?: () => number
}

/** Starts sampling `shell`'s host now. */
export function startHostSampler(shell: RemoteShell, options: HostSamplerOptions = {}): HostSampler {
  const samples: HostSample[] = []
  const parser = new SampleParser((sample) => samples.push(sample), options.now)
  let failure: Error | null = null
  const stream = shell.stream(samplingCommand(options.intervalSeconds), {pty: true, onLine: (line) => parser.push(line)})
  const ended = stream.done.then(
    (end) => {
      // The loop never ends by itself: an exit before stop() is a failure (no /proc, no shell...).
      if (!end.stopped) failure = new Error(`the sampling loop on ${shell.target.account} ended with ${end.code ?? end.signal}`)
    },
    (error: unknown) => {
      failure = error instanceof Error ? error : new Error(String(error))
    },
  )
  return {
    samples: () => samples.slice(),
    summary: (window) => summarizeHost(samples, window),
    async stop() {
      await stream.stop().catch(() => undefined)
      await ended
      return samples.slice()
    },
    error: () => failure,
  }
}
