import type {DoctorResult} from './doctor.js'

const mark = (ok: boolean | null) => (ok === true ? '✓' : ok === false ? '✗' : '?')

/** `fleet doctor` for people: a block per account, a line per check. */
export function renderDoctor(result: DoctorResult): string {
  const lines: string[] = []
  for (const a of result.accounts) {
    lines.push(`${mark(a.ok)} ${a.name} (${a.accountId}, ${a.region})`)
    for (const c of a.checks) lines.push(`    ${mark(c.ok)} ${c.name.padEnd(18)} ${c.detail}`)
  }
  const failed = result.accounts.filter((a) => !a.ok).length
  lines.push('', failed === 0 ? 'All accounts look ready.' : `${failed} of ${result.accounts.length} accounts need attention.`)
  return lines.join('\n')
}
