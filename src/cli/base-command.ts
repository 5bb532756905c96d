import {Command, Flags, type Interfaces} from '@oclif/core'

import {BugError, ExitCode, FleetError, InterruptedError, UsageError} from '../errors.js'
import {printError} from '../output/errors.js'

/**
 * The base of every fleet command: `--profile`, `--concurrency` and `--json`,
 * one JSON envelope for errors, and the exit codes of spec section 6 whether
 * or not `--json` is given.
 */
export abstract class FleetCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    profile: Flags.string({
      char: 'p',
      env: 'FLEET_PROFILE',
      default: 'default',
      summary: 'Profile name, or a path to a .yaml file.',
      helpGroup: 'GLOBAL',
    }),
    concurrency: Flags.integer({
      min: 1,
      default: 32,
      summary: 'Accounts in flight at once.',
      helpGroup: 'GLOBAL',
    }),
  }

  /** Sets the exit code without ending the run, so the JSON still prints. */
  protected setExitCode(code: ExitCode): void {
    if (code > (Number(process.exitCode) || 0)) process.exitCode = code
  }

  override async catch(error: Interfaces.CommandError): Promise<void> {
    const fleetError = normalizeError(error)
    process.exitCode = fleetError.exitCode
    if (this.jsonEnabled()) {
      this.logJson({error: {code: fleetError.code, message: fleetError.message, exitCode: fleetError.exitCode}})
      return
    }
    printError(fleetError)
  }
}

/** Commands that change something: `--dry-run` and `--yes` as well. */
export abstract class MutatingCommand extends FleetCommand {
  static override baseFlags = {
    ...FleetCommand.baseFlags,
    'dry-run': Flags.boolean({summary: 'Show what would change and change nothing.', helpGroup: 'GLOBAL'}),
    yes: Flags.boolean({char: 'y', summary: 'Answer yes to every prompt (needed without a TTY).', helpGroup: 'GLOBAL'}),
  }
}

/** oclif's own errors (bad flags) and prompt aborts become fleet errors. */
export function normalizeError(error: unknown): FleetError {
  if (error instanceof FleetError) return error
  const err = error as {name?: string; message?: string; oclif?: {exit?: number}}
  if (err?.name === 'ExitPromptError' || err?.name === 'AbortPromptError') {
    return new InterruptedError('Interrupted', 'Interrupted at the prompt; nothing was changed.')
  }
  if (typeof err?.oclif?.exit === 'number' && err.oclif.exit !== ExitCode.bug) {
    return new UsageError('BadUsage', firstLine(err.message ?? 'bad usage'))
  }
  return new BugError('Unexpected', err?.message ?? String(error), {cause: error})
}

function firstLine(message: string): string {
  // oclif appends "See more help with --help" on a second line.
  return message.split('\n').filter((l) => l.trim() !== '')[0] ?? message
}
