import {shellQuote} from './shell-quote.js'

/** What coreutils `timeout -k` exits with: TERM sent (124), or KILL after the grace (137). */
export const TIMEOUT_EXIT_CODES: ReadonlySet<number> = new Set([124, 137])

/**
 * Runs the command line as root through `sudo -n` (never prompts: a host
 * that wants a password fails at once). A root login needs no sudo, and
 * hosts without sudo exist.
 */
export function withSudo(command: string, user: string, sudo = false): string {
  return sudo && user !== 'root' ? `sudo -n -- sh -c ${shellQuote(command)}` : command
}

/**
 * Wraps a command in coreutils `timeout`, which ends it (TERM, then KILL two
 * seconds later) on the host itself: closing an SSH channel does not end a
 * command without a PTY, and sshd refuses signal requests in root sessions.
 */
export function withRemoteTimeout(command: string, timeoutMs: number): string {
  return `timeout -k 2 ${Math.max(timeoutMs, 1) / 1000} sh -c ${shellQuote(command)}`
}
