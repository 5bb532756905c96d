import {ExternalError} from '../errors.js'

/**
 * The one door to the OS keychain. keytar is archived upstream; it sits
 * behind this interface so that `@napi-rs/keyring` can replace it in
 * keytar-store.ts alone.
 */
export interface SecretStore {
  get(service: string, account: string): Promise<string | null>
  set(service: string, account: string, secret: string): Promise<void>
  delete(service: string, account: string): Promise<boolean>
  /** Account names stored under a service. */
  accounts(service: string): Promise<string[]>
}

/** Services fleet uses in the keychain. */
export const Services = {
  /** The hub's long-lived access key, one entry per profile. */
  hub: 'fleet',
  /** Role and MFA session credentials, until five minutes before expiry. */
  session: 'fleet-session',
} as const

export class KeychainUnavailableError extends ExternalError {
  constructor(cause: unknown) {
    super(
      'KeychainUnavailable',
      'No OS keychain (D-Bus Secret Service) is reachable, so fleet cannot read or store credentials there.',
      {
        cause,
        nextSteps: [
          'Start a Secret Service (e.g. gnome-keyring-daemon) in this session, or',
          'set `hub.source: env` in the profile and export AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or',
          'set `hub.source: aws-profile` with `hub.awsProfile: NAME` to use ~/.aws/config (SSO works).',
        ],
      },
    )
  }
}

let opened: Promise<SecretStore> | undefined

/** The keychain, loaded on first use only (keytar is a native addon). */
export async function openSecretStore(): Promise<SecretStore> {
  opened ??= import('./keytar-store.js').then((m) => m.createKeytarStore())
  return opened
}

/** A store that keeps secrets in this process only: no keychain, one command. */
export function memoryStore(): SecretStore {
  const data = new Map<string, string>()
  const key = (service: string, account: string) => `${service}\u0000${account}`
  return {
    async get(service, account) {
      return data.get(key(service, account)) ?? null
    },
    async set(service, account, secret) {
      data.set(key(service, account), secret)
    },
    async delete(service, account) {
      return data.delete(key(service, account))
    },
    async accounts(service) {
      const prefix = `${service}\u0000`
      return [...data.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length))
    },
  }
}
