import {ExitCode, type FleetError} from '../errors.js'
import {redact} from './redact.js'

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
