/**
 * The run's plan for people (pure): what the run does, `up`'s plan of each
 * architecture in turn (Terraform style, as `fleet up` prints it), what is
 * left at the end, and one summary line with the time, the estimated cost
 * and the free-tier hours.
 */
import {renderUpPlan} from '../plan/up-render.js'
import {formatDuration} from '../util/duration.js'
import {usd} from './format.js'
import type {RunPlan} from './run-plan.js'
import {pinnedAddress, pinTarget} from './pin.js'
import {type LoadtestSettings, targetLine, targetUrl} from './settings.js'

export function renderRunPlan(plan: RunPlan, settings: LoadtestSettings): string {
  const n = plan.archs.length
  const lines = [
    `Load test: ${n === 1 ? `architecture ${settings.archs[0]}` : `architectures ${settings.archs.join(', ')} in turn; for each`}, ${settings.users.length} user level${settings.users.length === 1 ? '' : 's'} (${settings.users.join(', ')}), ` +
      `each ${settings.warmupMs > 0 ? `a ${formatDuration(settings.warmupMs)} warm-up and ` : ''}${formatDuration(settings.durationMs)} measured, think ${settings.thinkMs === 0 ? '0 (as fast as they can)' : formatDuration(settings.thinkMs)}, ` +
      `with ${settings.engine}.`,
    `Target: ${plannedTarget(plan, settings)}`,
  ]
  plan.archs.forEach((a, i) => {
    const heading = `Architecture ${a.arch} (${i + 1} of ${n}${i > 0 ? `, after ${plan.archs[i - 1]!.arch}` : ''}):`
    lines.push('', renderUpPlan(a.up, {heading, converged: `${heading} already in place, nothing to change`}))
  })
  lines.push('', settings.down ? 'At the end: every instance of the profile is stopped (--down), after Ctrl-C too.' : `At the end: the fleet stays at architecture ${settings.archs.at(-1)}, running and costing (add --down to stop it).`)
  lines.push('', summaryLine(plan))
  return lines.join('\n')
}

/**
 * `https://parking.example.com/ → 54.180.12.7:443 (lb's public IP; DNS not used)`
 * when every architecture keeps the LB's IP known now; else it is read after each `up`.
 */
function plannedTarget(plan: RunPlan, settings: LoadtestSettings): string {
  const ips = new Set(plan.archs.map((a) => a.lbIp))
  const ip = ips.size === 1 ? [...ips][0]! : null
  if (ip === null) return targetLine(settings.target, settings.address, null)
  return targetLine(settings.target, settings.address, pinnedAddress(pinTarget(targetUrl(settings.target, ip)!, ip)))
}

/** `Run: 2 architectures, 6 steps, about 14 min · ~$0.02 + transfer · 0.6 free-tier hours` */
export function summaryLine(plan: RunPlan): string {
  const e = plan.estimate
  const unknown = e.instances.some((i) => !i.priceKnown)
  const cost = `~${usd(e.totalUsd)}${unknown ? ' + price unknown' : ''} + transfer`
  const hours = Math.round(e.freeTierHours * 100) / 100
  return `Run: ${plan.archs.length} architecture${plan.archs.length === 1 ? '' : 's'}, ${plan.steps} step${plan.steps === 1 ? '' : 's'}, about ${Math.max(1, Math.round(plan.minutes))} min · ${cost} · ${hours} free-tier hours`
}
