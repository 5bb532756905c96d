import {Command, Flags, type Interfaces} from '@oclif/core'

import {BugError, ExitCode, FleetError, InterruptedError, UsageError, worstExitCode} from '../errors.js'
import {errorEnvelope, printError} from '../output/errors.js'
import {quietSteps, steps} from '../output/progress.js'
import {Locks} from '../state/locks.js'
import type {Cancel} from '../util/cancel.js'
import {type Interrupt, interruptOnSigint} from './interrupt.js'

/**
 * The base of every fleet command: `--profile`, `--concurrency` and `--json`,
 * one JSON envelope for errors (an interrupt included), and the exit codes
 * of spec section 6 whether or not `--json` is given.
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

  private interrupt?: Interrupt
  /** False until the command asks for the Cancel: until then, Ctrl-C ends the run at once. */
  private graceful = false

  override async init(): Promise<void> {
    await super.init()
    this.interrupt = interruptOnSigint((code) => this.exitNow(code))
    // A command that never looks at the signal stops at the first Ctrl-C.
    this.interrupt.signal.addEventListener('abort', () => this.graceful || this.exitNow(ExitCode.interrupted), {once: true})
  }

  /**
   * Ctrl-C for a command that stops at safe points (src/util/cancel.ts):
   * the first press is a request, the second abandons the step under way.
   */
  protected cancellation(): Cancel {
    this.graceful = true
    return this.interrupt!
  }

  /** Sets the exit code without ending the run, so the JSON still prints. */
  protected setExitCode(code: ExitCode): void {
    process.exitCode = worstExitCode([Number(process.exitCode ?? 0) as ExitCode, code])
  }

  override async catch(error: Interfaces.CommandError): Promise<void> {
    const fleetError = normalizeError(error)
    process.exitCode = fleetError.exitCode
    if (this.jsonEnabled()) this.logJson(errorEnvelope(fleetError))
    else printError(fleetError)
  }

  override async finally(error: Error | undefined): Promise<void> {
    this.interrupt?.dispose()
    await super.finally(error)
  }

  /** Ends the process now (a forced Ctrl-C), still with one JSON document under --json. */
  private exitNow(code: number): never {
    const error = new InterruptedError('Interrupted', 'Interrupted; a re-run converges from where this one stopped.')
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(errorEnvelope(error), null, 2) + '\n')
    else process.stderr.write(`\n${error.message}\n`)
    process.exit(code)
  }
}

/** What a mutating command's service is handed by `mutate`. */
export interface MutationRun {
  cancel: Cancel
  /** The locks of the instances the run may change (spec section 7), taken by the service once it knows their ids. */
  locks: Locks
  /** Names the step under way on the progress display. */
  step(label: string): void
}

/** Commands that change something: `--dry-run` and `--yes` as well, and one lifecycle. */
export abstract class MutatingCommand extends FleetCommand {
  static override baseFlags = {
    ...FleetCommand.baseFlags,
    'dry-run': Flags.boolean({summary: 'Show what would change and change nothing.', helpGroup: 'GLOBAL'}),
    yes: Flags.boolean({char: 'y', summary: 'Answer yes to every prompt (needed without a TTY).', helpGroup: 'GLOBAL'}),
  }

  /**
   * The lifecycle every mutating command shares: the profile's lock (not for
   * a dry run, which changes nothing), a progress display naming each step,
   * Ctrl-C as a Cancel, and the display closed whatever happens.
   */
  protected async mutate<T>(
    run: {profile: string; title: string; dryRun: boolean; failed?: (result: T) => boolean; /** false when the command draws its own progress */ spinner?: boolean},
    work: (ctx: MutationRun) => Promise<T>,
  ): Promise<T> {
    const command = `fleet ${(this.id ?? '').replaceAll(':', ' ')}`.trim()
    const display = run.spinner === false ? quietSteps() : steps(run.title)
    const locks = new Locks({command, profile: run.profile}, {onWait: (message) => display.notice(message)})
    const ctx: MutationRun = {cancel: this.cancellation(), locks, step: display.step}
    let outcome = 'failed'
    try {
      const result = await (run.dryRun ? work(ctx) : locks.profile(run.profile, () => work(ctx)))
      outcome = run.failed?.(result) ? 'failed' : 'done'
      return result
    } finally {
      display.done(outcome)
    }
  }
}

/** oclif's own errors (bad flags, a missing argument) and prompt aborts become fleet errors. */
export function normalizeError(error: unknown): FleetError {
  if (error instanceof FleetError) return error
  const err = error as {name?: string; message?: string; oclif?: {exit?: number}}
  if (err?.name === 'ExitPromptError' || err?.name === 'AbortPromptError') {
    return new InterruptedError('Interrupted', 'Interrupted at the prompt; nothing was changed.')
  }
  if (typeof err?.oclif?.exit === 'number' && err.oclif.exit !== ExitCode.bug) {
    return new UsageError('BadUsage', oclifMessage(err.message ?? 'bad usage'), {nextSteps: ['See `fleet <command> --help`.']})
  }
  return new BugError('Unexpected', err?.message ?? String(error), {cause: error})
}

/**
 * oclif's message, whole: "Parsing --concurrency \n\tExpected an integer
 * greater than or equal to 1 but received: 0", "Missing 1 required arg:\nid
 * Architecture id". Only its "See more help" line goes (nextSteps says it).
 */
function oclifMessage(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^See more help with/.test(l))
  return lines.reduce((text, line) => (text === '' ? line : `${text}${text.endsWith(':') ? ' ' : ': '}${line}`), '') || message
}
