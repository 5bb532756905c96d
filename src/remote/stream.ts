import {PassThrough} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'

import type {NodeSSH} from 'node-ssh'
import type {ClientChannel} from 'ssh2'

import {within} from '../util/within.js'
import {sendSignal} from './channel-signal.js'
import type {RemoteStream, StreamEnd, StreamOptions} from './types.js'

/** A wait for the connection's end: `promise` resolves (null) once it is gone; `release` stops waiting. */
export interface GoneWait {
  promise: Promise<null>
  release(): void
}

export interface SessionState {
  /** The error to report when the SSH connection is gone, else null. */
  lostError(): Error | null
  untilGone(): GoneWait
}

/** How long a command may take to end after Ctrl-C before its channel is closed. */
const INTERRUPT_GRACE_MS = 1000
/** How long to wait for the channel to close once we closed it. */
const CLOSE_WAIT_MS = 5000

/**
 * Runs `command` and hands its output over line by line. With a PTY, stop()
 * sends Ctrl-C, then closes the channel: sshd closes the terminal and the
 * kernel hangs up its foreground processes, so nothing outlives the stream.
 * Without one, stop() sends SIGTERM (sshd forwards signal requests) and
 * closes the channel.
 */
export function streamLines(ssh: NodeSSH, command: string, options: StreamOptions, session: SessionState): RemoteStream {
  const out = new LineSplitter((line) => options.onLine(line, 'stdout'))
  const err = new LineSplitter((line) => options.onLine(line, 'stderr'))
  // A PTY's input stays open: stop() types Ctrl-C into it.
  const input = options.pty ? new PassThrough() : undefined
  let stopped = false
  let opened: (channel: ClientChannel) => void = () => {}
  const channelOpened = new Promise<ClientChannel>((resolve) => (opened = resolve))

  // A connection that dies may never close the channel: its end ends the stream.
  const gone = session.untilGone()
  const ended = ssh.execCommand(command, {
    execOptions: options.pty ? {pty: {term: 'dumb', modes: {ECHO: 0}}} : {},
    stdin: input,
    noTrim: true,
    onChannel: (channel) => opened(channel),
    onStdout: (chunk) => out.push(chunk),
    onStderr: (chunk) => err.push(chunk),
  })
  const done: Promise<StreamEnd> = Promise.race([ended, gone.promise])
    .then(
      (result) => {
        out.end()
        err.end()
        const lost = session.lostError()
        if (lost && !stopped) throw lost
        return {code: result?.code ?? null, signal: result?.signal ?? null, stopped}
      },
      (error: unknown) => {
        throw session.lostError() ?? error
      },
    )
    .finally(() => gone.release())
  const settled = done.then(
    () => undefined,
    () => undefined,
  )

  return {
    done,
    async stop() {
      if (stopped) return settled
      stopped = true
      // stop() may come before sshd has even opened the channel.
      const channel = await Promise.race([channelOpened, settled])
      if (channel) {
        if (input) input.write('\x03')
        else sendSignal(channel, 'TERM')
        const ended = await within(settled.then(() => true), INTERRUPT_GRACE_MS, false)
        if (!ended) channel.close()
      }
      await within(settled, CLOSE_WAIT_MS, undefined)
      input?.end()
    },
  }
}

/** Splits a byte stream into lines, UTF-8 safe across chunks; drops `\r` before `\n` (PTYs send CRLF). */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  }

  end(): void {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest !== '') this.onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest)
  }
}
