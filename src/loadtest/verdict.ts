/**
 * The verdict of one architecture: which resource capped its requests per
 * second, with the figures that led there in one sentence (issue 14 item 4).
 * Pure: the architecture's steps in, the verdict out.
 *
 * The rules, in order:
 * 1. nginx's error log said "worker_connections are not enough" at any step:
 *    `nginx-connections`. nginx then refuses connections whatever its CPU, so
 *    it caps the users the LB can hold before anything else does.
 * 2. RPS still grows at the last user level (gain ≥ `flatGain` over the level
 *    before): `none`; the fleet has not hit its limit yet.
 * 3. Otherwise RPS is flat (or only one level was run) and the last step is
 *    the plateau: the LB's CPU near saturation (≥ `cpuSaturatedPct` over all
 *    cores, or one core ≥ `coreSaturatedPct`: a single nginx worker only
 *    ever uses one core) is `lb-cpu`; an app server's is `app-cpu`. When
 *    both are, the busier one wins (ties go to the LB: more app servers do
 *    not help a saturated LB).
 * 4. Flat with nobody busy: `outside-fleet` (the database, Redis, the
 *    network, or the load generator itself: the story's unexplained "a third
 *    app server adds nothing"). With a single level, nothing busy is `none`.
 *
 * CPU busy % counts steal time as busy: a t2 out of CPU credits is throttled
 * by the hypervisor, which shows as steal, and is just as saturated.
 */
import type {StepRecord, Verdict} from './types.js'

export const VERDICT_THRESHOLDS = {
  /** CPU busy % (all cores) from which a host is "near saturation". */
  cpuSaturatedPct: 85,
  /** One LB core at or above this is saturated even when the average is not. */
  coreSaturatedPct: 95,
  /** RPS "stops growing" when the last user level gains less than this fraction over the previous one. */
  flatGain: 0.05,
} as const

type Thresholds = typeof VERDICT_THRESHOLDS

interface Busiest {
  name: string
  pct: number
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
const pct = (n: number | null | undefined): string => (n === null || n === undefined ? 'not sampled' : `${Math.round(n)}%`)

function busiestApp(step: StepRecord): Busiest | null {
  let best: Busiest | null = null
  for (const [name, value] of Object.entries(step.cpu.apps)) {
    if (value !== null && (best === null || value > best.pct)) best = {name, pct: value}
  }
  return best
}

function lbText(step: StepRecord): string {
  return step.cpu.lb === null ? "the LB's CPU not sampled" : `the LB's CPU at ${pct(step.cpu.lb)}`
}

function appText(app: Busiest | null, step: StepRecord): string {
  if (app) return `busiest app server ${app.name} at ${pct(app.pct)}`
  return Object.keys(step.cpu.apps).length > 0 ? 'app servers not sampled' : 'no app servers'
}

function failuresText(step: StepRecord): string {
  if (step.errors === 0 && step.non2xx === 0) return ''
  return ` (${int(step.errors)} errors, ${int(step.non2xx)} non-2xx)`
}

/** "RPS stopped growing at 1,600 users: 690 RPS, +3% over 1,000 users" or the one-level equivalent. */
function plateauText(last: StepRecord, prev: StepRecord | undefined, gain: number | null): string {
  const at = `${int(last.rps)} RPS at ${int(last.users)} users${failuresText(last)}`
  if (!prev || gain === null) return `${at} (one user level only)`
  const sign = gain >= 0 ? '+' : '−'
  return `RPS stopped growing: ${at}, ${sign}${Math.abs(Math.round(gain * 100))}% over ${int(prev.rps)} RPS at ${int(prev.users)} users`
}

function lbSaturation(step: StepRecord, t: Thresholds): string | null {
  const {lb, lbMaxCore} = step.cpu
  if (lb !== null && lb >= t.cpuSaturatedPct) return `the LB's CPU was at ${pct(lb)} (≥ ${t.cpuSaturatedPct}%)`
  if (lbMaxCore !== null && lbMaxCore !== undefined && lbMaxCore >= t.coreSaturatedPct) {
    return `one LB core was at ${pct(lbMaxCore)} (≥ ${t.coreSaturatedPct}%: a single nginx worker) with the LB at ${pct(lb)} overall`
  }
  return null
}

/** The generator's own CPU, named when it may be the limit. */
function generatorText(step: StepRecord, t: Thresholds): string {
  const g = step.generatorCpu
  if (g === null || g === undefined || g < t.cpuSaturatedPct) return ''
  return `, or the load generator itself (${pct(g)} of a core: try --engine artillery)`
}

/** The bottleneck of one architecture from its steps (any order), with the figures that led to it. */
export function verdictOf(arch: string, steps: StepRecord[], t: Thresholds = VERDICT_THRESHOLDS): Verdict {
  const measured = steps.filter((s) => s.arch === arch && !(s.aborted && s.requests === 0)).sort((a, b) => a.users - b.users)
  const last = measured.at(-1)
  if (!last) return {arch, bottleneck: 'none', why: 'No step was measured.'}

  const warned = measured.find((s) => s.nginxWorkerConnections)
  if (warned) {
    return {
      arch,
      bottleneck: 'nginx-connections',
      why: `nginx's error log said "worker_connections are not enough" at ${int(warned.users)} users (${int(warned.rps)} RPS, ${int(warned.errors)} errors, ${int(warned.non2xx)} non-2xx), with ${lbText(warned)}.`,
    }
  }

  const prev = measured.at(-2)
  const gain = prev && prev.rps > 0 ? (last.rps - prev.rps) / prev.rps : null
  const app = busiestApp(last)
  if (gain !== null && prev && gain >= t.flatGain) {
    return {
      arch,
      bottleneck: 'none',
      why: `RPS still grows with users: ${int(prev.rps)} → ${int(last.rps)} RPS (+${Math.round(gain * 100)}%) from ${int(prev.users)} to ${int(last.users)} users, with ${lbText(last)} and the ${appText(app, last)}.`,
    }
  }

  const plateau = plateauText(last, prev, gain)
  const lb = lbSaturation(last, t)
  const appBusy = app !== null && app.pct >= t.cpuSaturatedPct
  const lbWins = lb !== null && (!appBusy || (last.cpu.lb ?? 100) >= app.pct)
  if (lbWins) return {arch, bottleneck: 'lb-cpu', why: `${plateau}, while ${lb}; ${appText(app, last)}.`}
  if (appBusy) {
    return {
      arch,
      bottleneck: 'app-cpu',
      why: `${plateau}, while app server ${app.name}'s CPU was at ${pct(app.pct)} (≥ ${t.cpuSaturatedPct}%); ${lbText(last)}.`,
    }
  }
  const idle = `${lbText(last)} and the ${appText(app, last)}`
  if (gain === null) return {arch, bottleneck: 'none', why: `${plateau}: no host near saturation, ${idle}.`}
  return {
    arch,
    bottleneck: 'outside-fleet',
    why: `${plateau}, with neither host near saturation (${idle}): the limit is outside the fleet's hosts (database, Redis, the network${generatorText(last, t)}).`,
  }
}

/** One verdict per architecture, in the order the architectures first appear in `steps`. */
export function verdicts(steps: StepRecord[], t: Thresholds = VERDICT_THRESHOLDS): Verdict[] {
  const archs = [...new Set(steps.map((s) => s.arch))]
  return archs.map((arch) => verdictOf(arch, steps, t))
}
