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

/** The same error (class, code, next steps, cause) with another message. */
export function rewordError<E extends FleetError>(error: E, message: string): E {
  const Class = error.constructor as new (code: string, message: string, options: FleetErrorOptions) => E
  return new Class(error.code, message, {nextSteps: error.nextSteps, cause: error.cause ?? error})
}

/**
 * A per-account or per-host error in JSON output: `{code, message}` (spec
 * section 5), plus what the user can do and the exit code its class stands
 * for, so that a usage error found in one account still exits 2.
 */
export interface ErrorInfo {
  code: string
  message: string
  nextSteps?: string[]
  exitCode?: ExitCode
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof FleetError) {
    const info: ErrorInfo = {code: error.code, message: error.message, exitCode: error.exitCode}
    if (error.nextSteps.length > 0) info.nextSteps = error.nextSteps
    return info
  }
  if (error instanceof Error) return {code: 'Unexpected', message: error.message, exitCode: ExitCode.bug}
  return {code: 'Unexpected', message: String(error), exitCode: ExitCode.bug}
}

/** Which exit code wins when a run has several (spec section 6: 4 wins over 3). */
const PRECEDENCE: readonly ExitCode[] = [ExitCode.interrupted, ExitCode.guardrail, ExitCode.bug, ExitCode.usage, ExitCode.external, ExitCode.ok]

export function worstExitCode(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = ExitCode.ok
  for (const code of codes) if (PRECEDENCE.indexOf(code) < PRECEDENCE.indexOf(worst)) worst = code
  return worst
}

/** The exit code of a run whose per-account results are these; an error without a class is external (3). */
export function exitCodeOf(errors: Iterable<ErrorInfo | null | undefined>, guardrail = false): ExitCode {
  const codes = [...errors].flatMap((e) => (e ? [e.exitCode ?? ExitCode.external] : []))
  return worstExitCode(guardrail ? [...codes, ExitCode.guardrail] : codes)
}
