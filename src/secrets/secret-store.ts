import {KeychainUnavailableError, type SecretStore} from './types.js'

export {KeychainUnavailableError, type SecretStore}

/** Services fleet uses in the keychain. */
export const Services = {
  /** The hub's long-lived access key, one entry per profile. */
  hub: 'fleet',
  /** Role and MFA session credentials, until five minutes before expiry. */
  session: 'fleet-session',
} as const

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
