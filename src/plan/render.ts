import type {ErrorInfo} from '../errors.js'
import {errorLines} from '../output/errors.js'
import {renderTable} from '../output/table.js'
import {formatApps, formatNginx, formatRdsPublic} from '../profile/arch-format.js'
import type {ArchitectureView} from '../profile/architecture.js'
import type {DesiredAccount} from './desired.js'
import type {PlannedChange} from './plan.js'

const side = (s: {state: string | null; type: string | null}) => (s.state ? `${s.state} ${s.type ?? ''}`.trim() : '-')

/** `fleet arch show` for people: the architecture, then per account what it wants and what up would do. */
export function renderArchShow(
  view: ArchitectureView,
  desired: DesiredAccount[],
  plan: PlannedChange[] | null,
  errors: Array<{account: string; error: ErrorInfo}>,
): string {
  const lines = [`Architecture ${view.id}${view.description ? `: ${view.description}` : ''}`, '']
  lines.push(`  LB          ${view.lb.account ?? '-'} (${view.lb.instanceType ?? 'type as is'})`)
  lines.push(`  App servers ${formatApps(view.apps)}`)
  lines.push(`  nginx       ${formatNginx(view.nginx)}`)
  lines.push(`  RDS public  ${formatRdsPublic(view.rdsPublic)}`, '')
  const byAccount = new Map(plan?.map((p) => [p.account, p]))
  const rows = desired.map((d) => {
    const row = [d.account, d.role, d.state, d.type ?? 'as is', d.ports.join(', ') || '-']
    const p = byAccount.get(d.account)
    return plan ? [...row, p ? side(p.from) : '-', p ? p.action + (p.note ? ` (${p.note})` : '') : '-'] : row
  })
  const head = ['ACCOUNT', 'ROLE', 'STATE', 'TYPE', 'PORTS']
  lines.push(renderTable(plan ? [...head, 'NOW', 'UP WOULD'] : head, rows))
  for (const e of errors) lines.push(`✗ ${e.account}: ${errorLines(e.error).join('\n')}`)
  return lines.join('\n')
}
