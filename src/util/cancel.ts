/**
 * How a run is asked to stop (Ctrl-C; spec section 6). The first request
 * aborts `signal`: stop at the next safe point. The second aborts `urgent`:
 * abandon the step under way. Work that must not be cut in half (a remote
 * edit between its write and its restore) runs as a `critical` section: a
 * forced exit waits until it has put back what it changed.
 */
export interface Cancel {
  readonly signal: AbortSignal
  readonly urgent: AbortSignal
  critical<T>(fn: () => Promise<T>): Promise<T>
}

/** A run nobody can interrupt (tests, and services called without a CLI). */
export const uninterruptible: Cancel = {
  signal: new AbortController().signal,
  urgent: new AbortController().signal,
  critical: (fn) => fn(),
}
