import {setTimeout as sleep} from 'node:timers/promises'

import type {RemoteShell} from '../remote/index.js'
import {shellQuote} from '../remote/index.js'

export interface ServerHealth {
  server: string
  ok: boolean
  /** The HTTP status, or null when nothing answered. */
  status: number | null
}

/**
 * Asks every upstream server for `path` from the LB host itself, over the
 * same network path (and security-group rules) nginx uses, so a server that
 * nginx cannot reach is named instead of hidden by nginx's retries. Servers
 * that fail are asked again until `waitMs` has passed: a just-started app
 * takes a while to come up.
 */
export async function checkHealth(sh: RemoteShell, servers: readonly string[], path: string, waitMs = 30_000): Promise<ServerHealth[]> {
  const deadline = Date.now() + waitMs
  const results = new Map<string, ServerHealth>()
  let pending = [...servers]
  for (;;) {
    for (const r of await probe(sh, pending, path)) results.set(r.server, r)
    pending = pending.filter((s) => !results.get(s)!.ok)
    if (pending.length === 0 || Date.now() > deadline) break
    await sleep(2000)
  }
  return servers.map((s) => results.get(s)!)
}

async function probe(sh: RemoteShell, servers: readonly string[], path: string): Promise<ServerHealth[]> {
  // One SSH command for all servers: each line is "server status".
  const script = servers
    .map((s) => {
      const url = shellQuote(`http://${s}${path}`)
      return `printf '%s %s\\n' ${shellQuote(s)} "$(curl -s -o /dev/null -m 5 -w '%{http_code}' ${url} || true)"`
    })
    .join('; ')
  const out = await sh.exec(script, {timeoutMs: 10_000 + servers.length * 6000})
  const seen = new Map(
    out.stdout
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter((p) => p.length === 2)
      .map(([server, code]) => [server!, Number(code)]),
  )
  return servers.map((server) => {
    const code = seen.get(server)
    const status = code && code > 0 ? code : null
    return {server, ok: status !== null && status >= 200 && status < 400, status}
  })
}
