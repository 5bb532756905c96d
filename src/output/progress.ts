import {ux} from '@oclif/core'

export interface Progress {
  tick(label?: string): void
  done(summary?: string): void
}

/** A spinner naming the step under way, on stderr and on a TTY only. */
export interface Steps {
  step(label: string): void
  /** A line that must be seen (a wait for a lock), on a TTY or not. */
  notice(message: string): void
  done(summary?: string): void
}

/** No spinner (the command draws its own progress); notices still reach stderr. */
export function quietSteps(stream: NodeJS.WriteStream = process.stderr): Steps {
  return {step() {}, notice: (message) => stream.write(`${message}\n`), done() {}}
}

export function steps(title: string, stream: NodeJS.WriteStream = process.stderr): Steps {
  if (!stream.isTTY || process.env.CI) return {step() {}, notice: (message) => stream.write(`${message}\n`), done() {}}
  ux.action.start(title)
  return {
    step(label) {
      ux.action.status = label
    },
    notice(message) {
      ux.action.pause(() => stream.write(`${message}\n`))
    },
    done(summary) {
      ux.action.stop(summary ?? 'done')
    },
  }
}

/**
 * A spinner with a count on stderr while accounts are worked. Shown only on
 * a TTY, so scripts and `--json` consumers see a clean stderr.
 */
export function progress(title: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return {tick() {}, done() {}}
  let count = 0
  ux.action.start(title, `0/${total}`)
  return {
    tick(label) {
      count += 1
      ux.action.status = `${count}/${total}${label ? ` (${label})` : ''}`
    },
    done(summary) {
      ux.action.stop(summary ?? 'done')
    },
  }
}
