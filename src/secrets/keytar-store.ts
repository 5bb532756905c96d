import createDebug from 'debug'

import {KeychainUnavailableError, type SecretStore} from './types.js'

const debug = createDebug('fleet:keychain')

/** keytar behind SecretStore; every failure to reach the keychain is one clear error. */
export async function createKeytarStore(): Promise<SecretStore> {
  let keytar: typeof import('keytar')
  try {
    const mod = (await import('keytar')) as unknown as {default?: typeof import('keytar')}
    keytar = mod.default ?? (mod as unknown as typeof import('keytar'))
  } catch (error) {
    throw new KeychainUnavailableError(error)
  }
  const guard = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (error) {
      debug('%s failed: %s', what, (error as Error).message)
      throw new KeychainUnavailableError(error)
    }
  }
  return {
    get: (service, account) => guard('get', () => keytar.getPassword(service, account)),
    set: (service, account, secret) => guard('set', () => keytar.setPassword(service, account, secret)),
    delete: (service, account) => guard('delete', () => keytar.deletePassword(service, account)),
    accounts: (service) =>
      guard('list', async () => (await keytar.findCredentials(service)).map((c) => c.account)),
  }
}
