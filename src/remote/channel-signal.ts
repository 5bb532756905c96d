import type {ClientChannel} from 'ssh2'

/** The parts of ssh2's channel internals that carry a signal request. */
interface ChannelInternals {
  outgoing?: {id?: number; state?: string}
  _client?: {_protocol?: {signal?: (channelId: number, signal: string) => void}}
}

/**
 * Asks sshd to send `signal` to the remote command's process group (OpenSSH
 * 7.9+ honours it). ssh2 1.17's `channel.signal()` silently drops the request
 * once our side of the channel has sent EOF — and node-ssh always sends EOF
 * after stdin — although SSH allows signal requests until the channel closes
 * (fix proposed upstream in mscdex/ssh2#1510). In that state the request goes
 * straight to ssh2's protocol object. Returns whether a request was sent.
 */
export function sendSignal(channel: ClientChannel, signal: 'INT' | 'TERM' | 'KILL' | 'HUP'): boolean {
  const internals = channel as unknown as ChannelInternals
  const state = internals.outgoing?.state
  try {
    if (channel.writable && state === 'open') {
      channel.signal(signal)
      return true
    }
    const id = internals.outgoing?.id
    const protocol = internals._client?._protocol
    if (state === 'eof' && id !== undefined && typeof protocol?.signal === 'function') {
      protocol.signal(id, signal)
      return true
    }
  } catch {
    // The channel closed meanwhile: nothing left to signal.
  }
  return false
}
