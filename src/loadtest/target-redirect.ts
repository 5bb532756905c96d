/**
 * A target that redirects (pure): every request of the run would be measured
 * as a non-2xx answer, so the run stops before its first step and says what
 * to load instead. `http → https` (nginx's usual 301 from port 80, the
 * story's) means the URL should be https; a redirect on the same scheme
 * (`/` → `/login`, Spring Security's answer to a user not logged in) means
 * another path.
 */
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'

/** The redirect statuses (a 304 is not one). */
export const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

export interface RedirectSeen {
  /** The URL asked (as written, its host kept). */
  url: string
  /** `ip:port` it was asked at (the LB's). */
  at: string
  status: number
  /** The `Location` header, as sent (null when missing). */
  location: string | null
  /** Where the run's fleet is left (it is up: `up` has run). */
  down: boolean
}

/** The error that stops the run (exit 2): the Location and the advice that fits it. */
export function redirectError(seen: RedirectSeen): UsageError {
  const to = resolve(seen.location, seen.url)
  const from = new URL(seen.url)
  const where = seen.location === null ? 'without a Location' : `to ${seen.location}`
  const message = `${seen.url} (asked at ${seen.at}, the LB's own address) answers ${seen.status} ${where}: every request of the load would be a redirect, measured as a non-2xx answer. The run stopped before its first step.`
  return new UsageError('TargetRedirects', message, {nextSteps: [...advice(from, to), leftRunning(seen.down)]})
}

function advice(from: URL, to: URL | null): string[] {
  if (to === null) return ['Set `loadtest.url` (or `--path`) to a URL that answers without a redirect.']
  if (from.protocol === 'http:' && to.protocol === 'https:') {
    const name = isIP(to.hostname.replace(/^\[|\]$/g, '')) ? '<the name on the LB\'s certificate>' : to.hostname
    const port = to.port ? `:${to.port}` : ''
    return [`nginx sends http to https: set \`loadtest.url: https://${name}${port}${to.pathname}\` in the profile. The load then goes over TLS with that name, still to the LB's own address (never through DNS).`]
  }
  if (from.protocol === to.protocol && from.host === to.host) {
    return [`The site sends ${from.pathname} to ${to.pathname}${to.search} (Spring Security sends a user who is not logged in to its login page): load a path that answers itself, with \`--path\` or \`loadtest.url\`'s path.`]
  }
  return [`Set \`loadtest.url: ${to.origin}${to.pathname}\` if that is the site to load (the load still goes to the LB's own address, with that name).`]
}

function leftRunning(down: boolean): string {
  return down ? '`up` has run: --down stops the fleet now.' : '`up` has run, and the fleet is left running and costing (listed below): `fleet down` stops it, or add --down to the next run.'
}

function resolve(location: string | null, base: string): URL | null {
  if (location === null) return null
  try {
    return new URL(location, base)
  } catch {
    return null
  }
}
