/**
 * The one error hierarchy of fleet. Every error a user can see carries a
 * stable `code` (for `--json`) and the exit code of spec section 6.
 */

export const ExitCode = {
  ok: 0,
  bug: 1,
  usage: 2,
  external: 3,
  guardrail: 4,
  interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface FleetErrorOptions {
  /** What the user can do about it, shown under the message. */
  nextSteps?: string[]
  cause?: unknown
}

export abstract class FleetError extends Error {
  abstract readonly exitCode: ExitCode
  readonly nextSteps: string[]

  constructor(
    readonly code: string,
    message: string,
    options: FleetErrorOptions = {},
  ) {
    super(message, {cause: options.cause})
    this.name = new.target.name
    this.nextSteps = options.nextSteps ?? []
  }
}

/** Bad flags, a bad or missing profile, a missing section: exit 2. */
export class UsageError extends FleetError {
  readonly exitCode = ExitCode.usage
}

/** AWS, SSH or a host said no for a reason outside fleet: exit 3. */
export class ExternalError extends FleetError {
  readonly exitCode = ExitCode.external
}

/** A guardrail refused the run (paid types, a lock, --fail-over): exit 4. */
export class GuardrailError extends FleetError {
  readonly exitCode = ExitCode.guardrail
}

/** Ctrl-C: exit 130. */
export class InterruptedError extends FleetError {
  readonly exitCode = ExitCode.interrupted
}

/** Something fleet itself got wrong: exit 1. */
export class BugError extends FleetError {
  readonly exitCode = ExitCode.bug
}

/** The `{code, message}` pair of a per-account error in JSON output. */
export interface ErrorInfo {
  code: string
  message: string
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof FleetError) return {code: error.code, message: error.message}
  if (error instanceof Error) return {code: 'Unexpected', message: error.message}
  return {code: 'Unexpected', message: String(error)}
}

/** The exit code of a run whose per-account results are these. */
export function exitCodeOf(errors: Array<ErrorInfo | null>, guardrail = false): ExitCode {
  if (guardrail) return ExitCode.guardrail
  return errors.some((e) => e !== null) ? ExitCode.external : ExitCode.ok
}
