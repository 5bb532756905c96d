import {renderTable} from '../output/table.js'
import type {RdsPublicResult, RdsServerResult} from './types.js'

const onOff = (flag: boolean) => (flag ? 'on' : 'off')
const usd = (n: number) => `$${n.toFixed(n > 0 && n < 0.01 ? 3 : 2)}`

/**
 * `rds-public on|off|status` for people: a headline (✓ done, ! done but
 * some servers failed, ✗ the AWS step failed), the DB, the rules, a line per
 * app server, then what went wrong with what to do about it.
 */
export function renderRdsPublic(r: RdsPublicResult): string {
  const lines = r.action === 'status' ? statusHead(r) : r.dryRun ? dryRunHead(r) : applyHead(r)
  lines.push(...serverLines(r))
  for (const w of r.warnings) lines.push(`  warning: ${w}`)
  if (r.dryRun && r.action !== 'status') lines.push(planLine(r))
  if (r.error) lines.push(`✗ ${r.error.message}`, ...(r.error.nextSteps ?? []).map((s) => `  → ${s}`))
  return lines.join('\n')
}

function statusHead(r: RdsPublicResult): string[] {
  const gateway = r.db.internetGateway === null ? 'internet gateway unknown' : r.db.internetGateway ? 'with an internet gateway' : 'with NO internet gateway'
  return [
    `${r.db.identifier} (account ${r.db.account}): public access ${r.publiclyAccessible ? 'ON' : 'off'} · ${r.db.status ?? 'status unknown'}`,
    `  endpoint   ${endpoint(r)}`,
    `  cost       ${cost(r)}`,
    `  network    VPC ${r.db.vpcId ?? '?'} ${gateway}`,
    `  rules      ${r.db.securityGroup ?? 'no security group'}: ${r.rules.length > 0 ? r.rules.join(', ') : 'none made by fleet'}`,
  ]
}

function applyHead(r: RdsPublicResult): string[] {
  const want = r.action === 'on'
  const someFailed = r.servers.some((s) => !s.ok)
  const sign = r.error ? '✗' : someFailed ? '!' : '✓'
  let head: string
  if (r.converged && !r.error && !someFailed) head = `✓ Nothing to do: public access is already ${onOff(want)} for ${r.db.identifier}, and every running app server is on the ${want ? 'public' : 'private'} URL.`
  else if (r.flagChange?.applied) head = `${sign} Public access turned ${onOff(want)} for ${r.db.identifier} (account ${r.db.account}).`
  else if (r.flagChange) head = `✗ Public access for ${r.db.identifier} (account ${r.db.account}) is still ${onOff(r.flagChange.from)}.`
  else head = `${sign} Public access is already ${onOff(r.publiclyAccessible)} for ${r.db.identifier} (account ${r.db.account}).`
  return [head, `  endpoint   ${endpoint(r)}`, `  cost       ${cost(r)}`, ...ruleLines(r)]
}

function dryRunHead(r: RdsPublicResult): string[] {
  const flag = r.flagChange
    ? `  ~ ${r.db.identifier}  PubliclyAccessible ${r.flagChange.from} → ${r.flagChange.to} (ApplyImmediately), then wait until AWS shows it applied`
    : `    ${r.db.identifier}  PubliclyAccessible already ${r.publiclyAccessible}`
  return ['Dry run: nothing was changed. The plan:', flag, ...ruleLines(r)]
}

function planLine(r: RdsPublicResult): string {
  if (r.converged) return 'Nothing would change.'
  const switched = r.servers.filter((s) => s.outcome === 'switched').length
  const restarted = r.servers.filter((s) => s.outcome === 'switched' || s.outcome === 'restarted').length
  const g = r.securityGroup
  const parts = [
    ...(r.flagChange ? [`public access ${onOff(r.flagChange.to)}`] : []),
    ...(g && g.authorized.length > 0 ? [`${plural(g.authorized.length, 'rule')} to add`] : []),
    ...(g && g.revoked.length > 0 ? [`${plural(g.revoked.length, 'rule')} to revoke`] : []),
    `${plural(switched, '.env file')} to switch`,
    `${plural(restarted, 'app')} to restart`,
  ]
  return `Plan: ${parts.join(', ')}.`
}

function ruleLines(r: RdsPublicResult): string[] {
  const g = r.securityGroup
  if (!g) return []
  const verb = (done: string) => (r.dryRun ? '' : `${done} `)
  return [...g.authorized.map((a) => `  + ${verb('allowed')}${a}`), ...g.revoked.map((a) => `  - ${verb('revoked')}${a}`)]
}

function serverLines(r: RdsPublicResult): string[] {
  if (r.servers.length === 0) return ['  app servers: none']
  const rows = r.servers.map((s) => [mark(s, r), s.account, mode(s, r), say(s, r)])
  const lines = ['  app servers:', ...renderTable([], rows).split('\n').map((l) => `    ${l}`)]
  for (const s of r.servers) {
    if (s.diff && r.dryRun) lines.push(`    ${s.account}:`, ...s.diff.trimEnd().split('\n').map((l) => `      ${l}`))
    for (const w of s.warnings.filter((x) => !x.startsWith('skipped'))) lines.push(`    warning ${s.account}: ${w}`)
    if (s.error) lines.push(`    ✗ ${s.account}: ${s.error.message.split('\n').join('\n      ')}`, ...(s.error.nextSteps ?? []).map((n) => `      → ${n}`))
  }
  return lines
}

function mode(s: RdsServerResult, r: RdsPublicResult): string {
  if (s.outcome === 'skipped') return ''
  if (s.outcome === 'switched' && s.before !== null) return `${s.before} → ${r.dryRun ? (r.action === 'on' ? 'public' : 'private') : s.dbUrlMode}`
  return s.dbUrlMode ?? '?'
}

/** `status`: a server whose URL does not match the flag is said so (it fails, or costs for nothing). */
function mismatch(s: RdsServerResult, r: RdsPublicResult): string {
  if (s.dbUrlMode === 'other') return 'neither rds.public nor rds.private'
  if (s.dbUrlMode === 'missing') return 'no active key line'
  if (s.dbUrlMode === 'private' && r.publiclyAccessible) return 'private while public access is on: `fleet rds-public on` switches it'
  if (s.dbUrlMode === 'public' && !r.publiclyAccessible) return 'public while public access is off: it cannot reach the DB'
  return s.pending ? 'a restart is pending (an earlier run was cut short)' : ''
}

function say(s: RdsServerResult, r: RdsPublicResult): string {
  switch (s.outcome) {
    case 'skipped':
      return s.warnings[0] ?? 'skipped'
    case 'unchanged':
      if (r.action === 'status') return mismatch(s, r)
      return 'already right'
    case 'switched':
      return r.dryRun ? 'switch and restart' : 'switched, restarted'
    case 'restarted':
      return r.dryRun ? 'restart' : 'restarted'
    case 'failed':
      return 'not changed'
    case 'restored':
      return 'failed: old .env restored, restarted on it'
    case 'unknown':
      return 'STATE UNKNOWN: check the host'
  }
}

function mark(s: RdsServerResult, r: RdsPublicResult): string {
  if (!s.ok) return '✗'
  if (s.outcome === 'skipped') return '-'
  if (r.action === 'status') return mismatch(s, r) === '' ? '✓' : '!'
  if (r.dryRun) return s.outcome === 'unchanged' ? ' ' : '~'
  return '✓'
}

function endpoint(r: RdsPublicResult): string {
  return r.endpoint ? `${r.endpoint}:${r.port ?? '?'}` : 'none yet'
}

function cost(r: RdsPublicResult): string {
  const {ipv4} = r
  const rate = `public IPv4 ${usd(ipv4.hourlyUsd)}/h while public (never in the free tier)`
  return ipv4.billedNow
    ? `${rate}: ${usd(ipv4.restOfMonthUsd)} more if left on to the end of ${ipv4.month} (a whole month: ${usd(ipv4.fullMonthUsd)}); \`fleet cost\` has the billed figure`
    : `${rate}: nothing billed while off (a whole month on: ${usd(ipv4.fullMonthUsd)})`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
