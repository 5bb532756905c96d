/** The nginx settings of an architecture (profile `architectures.*.nginx`). */
export interface NginxSettings {
  workerProcesses?: 'auto' | number
  workerConnections?: number
  /** Idle upstream connections kept per worker; set means keep-alive is on. */
  keepalive?: number
  /** nginx time, default 15s. Goes into the upstream file only. */
  keepaliveTimeout?: string
}

/**
 * The values nginx.config held before fleet first changed them, as written
 * (the raw argument text), or null when the directive was absent. A key is
 * present only while fleet owns that directive: it is recorded at fleet's
 * first change and dropped once an architecture without the setting has put
 * the value back. Persist it in the profile's state after a successful sync.
 */
export interface NginxFoundBefore {
  workerProcesses?: string | null
  workerConnections?: string | null
  workerRlimitNofile?: string | null
}

export type NginxChangeAction =
  | 'set' // a value replaced
  | 'insert' // a directive added (marked `# fleet`)
  | 'restore' // a value put back to what fleet found
  | 'remove' // a directive fleet had added, removed
  | 'move-upstream' // the inline upstream block moved to the upstream file
  | 'add-keepalive' // proxy_http_version / Connection "" (and copied headers) added to a location
  | 'remove-keepalive' // those lines removed again

export interface NginxChange {
  action: NginxChangeAction
  /** The directive concerned, e.g. `worker_connections`, `upstream honorsParkingBackend`. */
  directive: string
  /** Where in the file, e.g. `events`, `http > server[listen 443 ssl] > location /`. */
  where: string
  from?: string | null
  to?: string | null
  /** One line for people. */
  summary: string
}

/** The outcome of one editing step: the new text and what it did. */
export interface StepResult {
  text: string
  changes: NginxChange[]
  warnings: string[]
}
