import type {ShowResult} from './show.js'
import type {SyncResult} from './sync.js'

/** `upstream sync` for people: what changed, then the servers and any trouble. */
export function renderSync(r: SyncResult, dryRun: boolean): string {
  const lines: string[] = []
  if (dryRun) lines.push(r.diff ? r.diff.trimEnd() : 'Nothing would change.')
  else if (r.error && r.rolledBack) lines.push(`✗ Rolled back: ${r.error.message}`, ...(r.error.nextSteps ?? []).map((s) => `  → ${s}`))
  else if (r.changed) lines.push(`✓ nginx on ${r.lb.account} now sends to ${r.servers.length} server(s) (architecture ${r.arch}); reloaded.`)
  else lines.push(`✓ Already in sync: nginx on ${r.lb.account} sends to ${r.servers.length} server(s) (architecture ${r.arch}).`)
  for (const s of r.servers) lines.push(`    ${s}`)
  for (const s of r.skipped) lines.push(`  skipped ${s.account}: ${s.reason}`)
  for (const w of r.warnings) lines.push(`  warning: ${w}`)
  for (const g of r.securityGroups) {
    for (const a of g.authorized) lines.push(`  ${dryRun ? 'would allow' : 'allowed'} ${g.account}: ${a}`)
    for (const a of g.revoked) lines.push(`  ${dryRun ? 'would revoke' : 'revoked'} ${g.account}: ${a}`)
    for (const w of g.warnings) lines.push(`  warning ${g.account}: ${w}`)
    if (!g.ok) lines.push(`  ✗ security group ${g.account}: ${g.error?.message}`)
  }
  if (r.health) for (const h of r.health) lines.push(`  ${h.ok ? '✓' : '✗'} health ${h.server} ${h.status ?? 'no answer'}`)
  if (r.error && !r.rolledBack && r.error.code !== 'SecurityGroupsFailed') lines.push(`✗ ${r.error.message}`)
  return lines.join('\n')
}

/** `upstream show` for people: host vs wanted, server by server. */
export function renderShow(r: ShowResult): string {
  const lines = [`Upstream ${r.upstream} (architecture ${r.arch}): ${r.inSync ? 'in sync' : 'OUT OF SYNC'}`]
  if (r.onHost === null) lines.push('  not found on the host (neither in nginx.upstreamFile nor inline in nginx.config)')
  else if (r.source === 'config') lines.push('  still inline in nginx.config: the first `fleet upstream sync` moves it to nginx.upstreamFile')
  const all = [...new Set([...(r.onHost?.servers ?? []), ...r.wanted.servers])]
  for (const s of all) {
    const mark = r.missing.includes(s) ? '+ missing ' : r.stale.includes(s) ? '- stale   ' : '  ok      '
    lines.push(`  ${mark}${s}`)
  }
  const ka = (k: {keepalive: number | null; keepaliveTimeout: string | null} | null) =>
    k?.keepalive ? `keepalive ${k.keepalive} (${k.keepaliveTimeout ?? 'nginx default'})` : 'no keepalive'
  lines.push(`  on host: ${ka(r.onHost)} · wanted: ${ka(r.wanted)}`)
  if (r.pending) lines.push('  a run was cut short between writing these files and reloading nginx: `fleet upstream sync` reloads it')
  if (r.loaded === null) lines.push('  nginx.dump shows no such upstream (nginx not running, or it reads other files than these)')
  else if (r.onHost && !sameList(r.loaded.servers, r.onHost.servers)) {
    lines.push(`  nginx.dump shows ${r.loaded.servers.join(', ')}: not the files above (does nginx read other files?)`)
  }
  for (const s of r.skipped) lines.push(`  skipped ${s.account}: ${s.reason}`)
  return lines.join('\n')
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((s, i) => s === [...b].sort()[i])
}
