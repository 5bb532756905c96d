/**
 * A load test's progress on stderr, as `fleet up` draws its own: per
 * architecture one live block (its accounts, the upstream, RDS when the
 * architecture switches it, and the `load` row), each finished step as one
 * line above it, and the `--down` block at the end.
 */
import {errorLines} from '../output/errors.js'
import {type LiveLines, liveLines} from '../output/live-lines.js'
import {int, maxAppCpu, msText, percentText} from './format.js'
import type {LoadtestProgress} from './progress-events.js'
import type {StepRecord} from './types.js'

/** `arch 3 · 500 users: 690 RPS, p99 43 ms, 0 errors, 0 non-2xx, LB CPU 81%, max app CPU 40%` */
export function stepLine(step: StepRecord): string {
  const failures = `${int(step.errors)} errors, ${int(step.non2xx)} non-2xx`
  const alert = step.nginxWorkerConnections ? ', nginx: worker_connections are not enough' : ''
  const cut = step.aborted ? ' (cut short by Ctrl-C)' : ''
  return `arch ${step.arch} · ${int(step.users)} users: ${int(step.rps)} RPS, p99 ${msText(step.latencyMs.p99)}, ${failures}, LB CPU ${percentText(step.cpu.lb)}, max app CPU ${percentText(maxAppCpu(step))}${alert}${cut}`
}

export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): LoadtestProgress {
  let lines: LiveLines | null = null
  const close = () => {
    lines?.done()
    lines = null
  }
  const note = (message: string) => (lines ? lines.note(message) : stream.write(`${message}\n`))
  return {
    archStart(arch, index, total, accounts) {
      close()
      stream.write(`\nArchitecture ${arch} (${index + 1} of ${total}):\n`)
      lines = liveLines([...accounts, 'upstream', 'load'], stream)
    },
    upPhase: (account, phase, detail) => lines?.set(account, phase, detail),
    upDone(result) {
      if (result.lbIpChanged && result.lbPublicIp) note(`  the LB's public IP is now ${result.lbPublicIp}: DNS records pointing at it need updating`)
    },
    load: (phase, detail) => lines?.set('load', phase, detail),
    stepDone: (step) => note(`  ${stepLine(step)}`),
    archFailed(arch, error) {
      lines?.set('load', 'skipped', 'not measured')
      note(`  ✗ arch ${arch}: ${errorLines(error).join('\n    ')}`)
    },
    warn: (message) => note(`  ! ${message}`),
    downStart(accounts) {
      close()
      stream.write('\nStopping the fleet (--down):\n')
      lines = liveLines(accounts, stream)
    },
    downPhase: (account, phase, detail) => lines?.set(account, phase, detail),
    end: close,
  }
}
