import {PassThrough} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'
import {setTimeout as sleep} from 'node:timers/promises'

import type {NodeSSH} from 'node-ssh'
import type {ClientChannel} from 'ssh2'

import {sendSignal} from './channel-signal.js'
import type {RemoteStream, StreamEnd, StreamOptions} from './types.js'

export interface SessionState {
  /** The error to report when the SSH connection is gone, else null. */
  lostError(): Error | null
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

  const done: Promise<StreamEnd> = ssh
    .execCommand(command, {
      execOptions: options.pty ? {pty: {term: 'dumb', modes: {ECHO: 0}}} : {},
      stdin: input,
      noTrim: true,
      onChannel: (channel) => opened(channel),
      onStdout: (chunk) => out.push(chunk),
      onStderr: (chunk) => err.push(chunk),
    })
    .then(
      (result) => {
        out.end()
        err.end()
        const lost = session.lostError()
        if (lost && !stopped) throw lost
        return {code: result.code, signal: result.signal, stopped}
      },
      (error: unknown) => {
        throw session.lostError() ?? error
      },
    )
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
        const ended = await Promise.race([settled.then(() => true), sleep(INTERRUPT_GRACE_MS, false, {ref: false})])
        if (!ended) channel.close()
      }
      await Promise.race([settled, sleep(CLOSE_WAIT_MS, undefined, {ref: false})])
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
