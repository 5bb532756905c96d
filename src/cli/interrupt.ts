import type {Cancel} from '../util/cancel.js'

/**
 * Ctrl-C as a Cancel (src/util/cancel.ts). The first SIGINT asks the run to
 * stop at its next safe point (it then exits 130); the second abandons the
 * step under way and exits at once, unless a critical section is running:
 * then the exit waits until that section has restored what it changed. A
 * third, for a restore that hangs, exits at once.
 */
export interface Interrupt extends Cancel {
  /** Gives SIGINT back to Node's default handling. */
  dispose(): void
}

export function interruptOnSigint(exit: (code: number) => void = (code) => process.exit(code)): Interrupt {
  const first = new AbortController()
  const second = new AbortController()
  let critical = 0
  let presses = 0
  const onSigint = () => {
    presses += 1
    if (presses === 1) first.abort()
    else if (presses === 2) {
      second.abort()
      if (critical === 0) exit(130)
      else process.stderr.write('\nStopping: putting back what was changed first (Ctrl-C again to quit at once).\n')
    } else exit(130)
  }
  process.on('SIGINT', onSigint)
  return {
    signal: first.signal,
    urgent: second.signal,
    async critical(fn) {
      critical += 1
      try {
        return await fn()
      } finally {
        critical -= 1
      }
    },
    dispose: () => process.off('SIGINT', onSigint),
  }
}
