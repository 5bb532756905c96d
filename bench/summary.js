// The one table `npm run bench` ends with: every figure of the run (start-up,
// status fan-out, `up` converging, the nginx rig) with its target and
// verdict, as markdown so that the README can keep the latest as is.
import {availableParallelism, loadavg} from 'node:os'

/** Collects the parts' figures as rows; `print` writes the table. */
export function benchSummary() {
  const rows = []
  const row = (part, measure, result, target, verdict) => rows.push({part, measure, result, target, verdict})
  return {
    help({help, bare}, {runs, target}) {
      const r = help !== null && bare ? help / bare : null
      row('start-up', `fleet --help ÷ node -e 0 (median of ${runs})`, r === null ? 'failed' : `${r.toFixed(2)}x (${fmt(help)} / ${fmt(bare)} ms)`, `≤ ${target}x`, verdict(r, target))
    },

    status(measured, how, targets) {
      const base = measured.find((r) => r.n === 1)
      for (const [n, target] of [[10, targets.ratio10], [50, targets.ratio50]]) {
        const r = measured.find((x) => x.n === n)
        for (const cache of ['cold', 'warm']) {
          const value = r && base && r[cache] && base[cache] ? r[cache] / base[cache] : null
          const result = value === null ? 'failed' : `${value.toFixed(2)}x (${fmt(r[cache])} / ${fmt(base[cache])} ms)`
          row(`status fan-out, ${how}`, `T(${n}) ÷ T(1), ${cache} credential cache`, result, `≤ ${target}x`, verdict(value, target))
        }
      }
    },

    up({rows: measured, rerun, target}) {
      for (const r of measured) {
        row('up converge', `T(${r.count} accounts) ÷ T(slowest alone)`, `${r.ratio.toFixed(2)}x (${(r.ms / 1000).toFixed(1)} s)`, `≤ ${target}x`, verdict(r.ratio, target))
      }
      const writes = rerun.writes.length === 0 ? `none (${(rerun.ms / 1000).toFixed(1)} s, exit ${rerun.exitCode})` : rerun.writes.join(', ')
      row('up converge', `converged re-run over ${measured.at(-1).count} accounts: AWS writes`, writes, 'none', rerun.writes.length === 0 ? 'MET' : 'NOT MET')
    },

    nginx(nginx) {
      const [a, b, c] = nginx.configs
      const clients = `${nginx.wrk.connections} clients`
      row('nginx rig', `${clients}: arch 6 ÷ story req/s`, `${nginx.ratioCA.toFixed(2)}x (${c.rps.toFixed(0)} / ${a.rps.toFixed(0)} req/s)${nginx.valid ? '' : ', with errors'}`, '≥ 1.8x', nginx.met && nginx.valid ? 'MET' : 'NOT MET')
      row('nginx rig', `${clients}: arch 6 ÷ arch 6 without keep-alive`, `${nginx.ratioCB.toFixed(2)}x (${b.rps.toFixed(0)} req/s without)`, '(keep-alive alone)', '')
      const scale = nginx.scale
      if (scale.skipped) {
        row('nginx rig', `${scale.clients} clients`, `not run: ${scale.skipped}`, 'story fails, arch 6 does not', 'NOT MET')
        return
      }
      const [story, arch6] = scale.configs
      row('nginx rig', `${scale.clients} clients: story (1 worker, 1024 connections)`, describeScale(story), 'fails requests', story.errors > 0 ? 'it does' : 'it does not')
      row('nginx rig', `${scale.clients} clients: arch 6 as fleet writes it`, describeScale(arch6), '0 errors', arch6.errors === 0 ? 'MET' : 'NOT MET')
    },

    /** The table, in markdown, after a line naming the machine. */
    print(started) {
      if (rows.length === 0) return
      const load = loadavg().map((l) => l.toFixed(2)).join(' ')
      console.log(`\n## fleet bench summary · node ${process.version} · ${availableParallelism()} cores · load ${load} · ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC\n`)
      // In the spec's order, whatever order the parts ran in.
      const sorted = [...rows].sort((a, b) => partOrder(a.part) - partOrder(b.part))
      const cells = [['part', 'measure', 'result', 'target', 'verdict'], ...sorted.map((r) => [r.part, r.measure, r.result, r.target, r.verdict])]
      const widths = cells[0].map((_, i) => Math.max(...cells.map((c) => String(c[i]).length)))
      const line = (c) => `| ${c.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`
      console.log([line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n'))
    },
  }
}

const PARTS = ['start-up', 'status fan-out', 'up converge', 'nginx rig']

function partOrder(part) {
  return PARTS.findIndex((p) => part.startsWith(p))
}

function describeScale(r) {
  const short = r.connectionsShort ? `; nginx short of worker_connections ${r.connectionsShort}x` : ''
  return `${r.rps.toFixed(0)} req/s, ${r.errors} error${r.errors === 1 ? '' : 's'} (${socketErrorSummary(r.socketErrors)}, ${r.non2xx} non-2xx)${short}`
}

function socketErrorSummary(s) {
  const kinds = s ? [['connect', s.connect], ['read', s.read], ['write', s.write], ['timeout', s.timeout]].filter(([, n]) => n > 0) : []
  return kinds.length === 0 ? 'no socket errors' : `socket: ${kinds.map(([k, n]) => `${n} ${k}`).join(', ')}`
}

function fmt(ms) {
  return ms === null || ms === undefined ? 'failed' : ms.toFixed(0)
}

function verdict(value, target) {
  if (value === null) return ''
  return value <= target ? 'MET' : 'NOT MET'
}
