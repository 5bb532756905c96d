import {createHash} from 'node:crypto'

import createDebug from 'debug'

import {type SecretStore, Services} from '../secrets/secret-store.js'

const debug = createDebug('fleet:sessions')

/** Temporary (or long-lived) AWS credentials. */
export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Sessions are not reused in their last five minutes. */
export const EXPIRY_MARGIN_MS = 5 * 60 * 1000

interface Stored {
  fp: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration: string
}

/**
 * Role and MFA sessions in the keychain (service `fleet-session`), so that a
 * second command within the hour makes no STS call. An entry is used only
 * while its fingerprint (hub key, role, external id) matches and it is more
 * than five minutes from expiry.
 */
export class SessionCache {
  constructor(
    private readonly store: SecretStore,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, fingerprint: string): Promise<Credentials | null> {
    const raw = await this.store.get(Services.session, key)
    if (!raw) return null
    let stored: Stored
    try {
      stored = JSON.parse(raw) as Stored
    } catch {
      debug('discarding an unreadable entry for %s', key)
      return null
    }
    const expiration = new Date(stored.expiration)
    if (stored.fp !== fingerprint || !(expiration.getTime() - EXPIRY_MARGIN_MS > this.now())) {
      debug('entry for %s is stale or for another identity', key)
      return null
    }
    return {
      accessKeyId: stored.accessKeyId,
      secretAccessKey: stored.secretAccessKey,
      sessionToken: stored.sessionToken,
      expiration,
    }
  }

  async put(key: string, fingerprint: string, credentials: Credentials): Promise<void> {
    if (!credentials.expiration) return
    const stored: Stored = {
      fp: fingerprint,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration.toISOString(),
    }
    await this.store.set(Services.session, key, JSON.stringify(stored))
  }

  /** Forgets every session of a profile (after login/logout). */
  async clearProfile(profile: string): Promise<number> {
    const keys = (await this.store.accounts(Services.session)).filter((k) => k.startsWith(`${profile}:`))
    await Promise.all(keys.map((k) => this.store.delete(Services.session, k)))
    return keys.length
  }
}

/** A short, non-reversible tag of the identity a session belongs to. */
export function fingerprint(...parts: Array<string | undefined>): string {
  return createHash('sha256').update(parts.map((p) => p ?? '').join('\u0000')).digest('hex').slice(0, 24)
}
