import {ExitCode, type FleetError} from '../errors.js'
import {redact} from './redact.js'

/** The `--json` document of a failed command (spec section 5). */
export function errorEnvelope(error: FleetError): {error: {code: string; message: string; exitCode: number; nextSteps: string[]}} {
  return {error: {code: error.code, message: redact(error.message), exitCode: error.exitCode, nextSteps: error.nextSteps.map(redact)}}
}

/** Prints an error for people, on stderr: what, then what to do. */
export function printError(error: FleetError, stream: NodeJS.WritableStream = process.stderr): void {
  const lines = [`Error: ${redact(error.message)}`]
  for (const step of error.nextSteps) lines.push(`  → ${redact(step)}`)
  if (error.exitCode === ExitCode.bug) {
    lines.push('  This is a bug in fleet. Run again with DEBUG=fleet:* and report what it prints.')
    if (process.env.DEBUG?.includes('fleet') && error.cause instanceof Error && error.cause.stack) {
      lines.push(redact(error.cause.stack))
    }
  }
  stream.write(lines.join('\n') + '\n')
}

/** One account's or host's error for people: the message, then what to do, indented under it. */
export function errorLines(info: {message: string; nextSteps?: string[]}, indent = '    '): string[] {
  return [redact(info.message), ...(info.nextSteps ?? []).map((s) => `${indent}→ ${redact(s)}`)]
}
