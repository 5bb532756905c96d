/**
 * Per-account progress, as docker compose shows per-service progress: one
 * line per account (`lb     resizing       00:42`), redrawn in place on a
 * TTY; in a pipe or under CI, one plain line per change. The final state
 * stays on screen. Always on stderr: stdout is for results and `--json`.
 */
export interface LiveLines {
  /** Sets an account's phase (its clock restarts when the phase changes). */
  set(account: string, phase: string, detail?: string): void
  /** A line above the live block (a notice that must stay). */
  note(message: string): void
  /** Stops redrawing; the last frame stays. */
  done(): void
}

interface Row {
  phase: string
  detail: string
  since: number
  /** Set for a final phase (done, failed...): its clock stops there. */
  ended?: number
}

/** Phases after which an account has nothing more to do: the clock stops and shows its total time. */
const FINAL = new Set(['done', 'failed', 'interrupted', 'unchanged', 'skipped'])

export function liveLines(accounts: readonly string[], stream: NodeJS.WriteStream = process.stderr): LiveLines {
  const width = Math.max(0, ...accounts.map((a) => a.length))
  const started = Date.now()
  const rows = new Map<string, Row>(accounts.map((a) => [a, {phase: 'waiting', detail: '', since: started}]))
  const line = (account: string, row: Row, now: number) =>
    `${account.padEnd(width)}  ${row.phase.padEnd(14)} ${row.ended === undefined ? clock(now - row.since) : clock(row.ended - started)}${row.detail ? `  ${row.detail}` : ''}`
  // A dumb terminal cannot move the cursor: plain lines, as in a pipe.
  const live = Boolean(stream.isTTY) && !process.env.CI && process.env.TERM !== 'dumb'
  if (!live) {
    return {
      set(account, phase, detail = '') {
        const last = rows.get(account)
        if (last && last.phase === phase && last.detail === detail && last.since !== started) return
        const now = Date.now()
        rows.set(account, {phase, detail, since: now})
        stream.write(`${clock(now - started)}  ${account.padEnd(width)}  ${phase}${detail ? `  ${detail}` : ''}\n`)
      },
      note: (message) => stream.write(`${message}\n`),
      done() {},
    }
  }
  let drawn = 0
  const draw = () => {
    const now = Date.now()
    const frame = [...rows].map(([account, row]) => `\u001B[2K${line(account, row, now)}`)
    stream.write(`${drawn > 0 ? `\u001B[${drawn}A\r` : ''}${frame.join('\n')}\n`)
    drawn = frame.length
  }
  const timer = setInterval(draw, 250)
  timer.unref()
  draw()
  return {
    set(account, phase, detail = '') {
      const now = Date.now()
      rows.set(account, {phase, detail, since: now, ...(FINAL.has(phase) ? {ended: now} : {})})
      draw()
    },
    note(message) {
      stream.write(`${drawn > 0 ? `\u001B[${drawn}A\r` : ''}\u001B[0J${message}\n`)
      drawn = 0
      draw()
    },
    done() {
      clearInterval(timer)
      draw()
    },
  }
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}
