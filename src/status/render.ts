import {errorLines} from '../output/errors.js'
import {renderTable} from '../output/table.js'
import type {StatusResult} from './status.js'

/** `fleet status` for people: one row per account, then notes. */
export function renderStatus(result: StatusResult): string {
  const rows = result.accounts.map((a) => {
    const i = a.instance
    const hours = a.freeTier.hoursAllowed === null ? `${a.freeTier.hoursUsed} h (credits)` : `${a.freeTier.hoursUsed}/${a.freeTier.hoursAllowed} h`
    return [
      a.name,
      i?.id ?? (a.ok ? null : 'ERROR'),
      i?.state ?? null,
      i?.type ?? null,
      i?.publicIp ?? null,
      i?.privateIp ?? null,
      i?.launchTime ? i.launchTime.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : null,
      hours,
      i?.autoStopAt ?? null,
    ]
  })
  const lines = [
    `Profile ${result.profile} · architecture ${result.arch ?? '(none applied yet)'}`,
    '',
    renderTable(['ACCOUNT', 'INSTANCE', 'STATE', 'TYPE', 'PUBLIC IP', 'PRIVATE IP', 'LAUNCHED', 'FREE HOURS', 'AUTO-STOP'], rows),
  ]
  const notes: string[] = []
  for (const a of result.accounts) {
    if (a.error) notes.push(`✗ ${a.name}: ${errorLines(a.error).join('\n')}`)
    for (const x of a.extras) notes.push(`$ ${a.name}: ${x.detail}${x.hourlyUsd ? ` (~$${x.hourlyUsd}/h)` : ''}`)
  }
  if (notes.length > 0) lines.push('', ...notes)
  lines.push('', 'Free hours: fleet’s own estimate from the run sessions it has seen this UTC month (a lower bound); `fleet cost` has the billed figures.')
  return lines.join('\n')
}
