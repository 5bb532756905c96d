/**
 * Ctrl-C as an AbortSignal: the first SIGINT asks the run to stop its remote
 * commands and close its connections (it then exits 130); a second one,
 * for when that hangs, exits 130 at once.
 */
export interface Interrupt {
  signal: AbortSignal
  /** Gives SIGINT back to Node's default handling. */
  dispose(): void
}

export function interruptOnSigint(exit: (code: number) => void = (code) => process.exit(code)): Interrupt {
  const controller = new AbortController()
  const onSigint = () => {
    if (controller.signal.aborted) exit(130)
    else controller.abort()
  }
  process.on('SIGINT', onSigint)
  return {signal: controller.signal, dispose: () => process.off('SIGINT', onSigint)}
}
