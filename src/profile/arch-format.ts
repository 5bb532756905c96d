import type {ArchAppView, ArchitectureView} from './architecture.js'

/** Short words for people; `--json` carries the full values. */
export function formatApps(apps: readonly ArchAppView[]): string {
  return apps.map((a) => `${a.account}:${a.ports.join('+')}`).join(', ')
}

/** "workers auto, 2048 connections, keepalive 64 (15s)", or "as found". */
export function formatNginx(nginx: ArchitectureView['nginx']): string {
  const parts: string[] = []
  if (nginx.workerProcesses !== undefined) parts.push(`workers ${nginx.workerProcesses}`)
  if (nginx.workerConnections !== undefined) parts.push(`${nginx.workerConnections} connections`)
  if (nginx.keepalive !== undefined) parts.push(`keepalive ${nginx.keepalive} (${nginx.keepaliveTimeout ?? '15s'})`)
  else if (nginx.keepaliveTimeout !== undefined) parts.push(`keepalive timeout ${nginx.keepaliveTimeout} (unused without keepalive)`)
  return parts.length > 0 ? parts.join(', ') : 'as found'
}

export function formatRdsPublic(value: boolean | null): string {
  return value === null ? 'as is' : value ? 'on' : 'off'
}

/** The table row of `fleet arch list`. */
export function archRow(view: ArchitectureView): string[] {
  return [
    view.id,
    view.lb.instanceType ?? 'as is',
    String(view.apps.length),
    formatApps(view.apps),
    formatNginx(view.nginx),
    formatRdsPublic(view.rdsPublic),
    view.description ?? '',
  ]
}

export const archHead = ['ID', 'LB TYPE', 'APPS', 'APP SERVERS', 'NGINX', 'RDS PUBLIC', 'DESCRIPTION']
