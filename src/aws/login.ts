import {ExternalError, FleetError, rewordError, UsageError} from '../errors.js'
import {openSecretStore, Services} from '../secrets/secret-store.js'
import {createStsPort} from './ports/sts.js'
import type {StoredHubKey} from './hub.js'
import {SessionCache} from './session-cache.js'

const KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,}$/

/** Parses "ACCESS_KEY_ID SECRET" (whitespace or newline between) from stdin. */
export function parseKeyInput(text: string): StoredHubKey {
  const [accessKeyId, secretAccessKey, ...rest] = text.trim().split(/\s+/)
  if (!accessKeyId || !secretAccessKey || rest.length > 0) {
    throw new UsageError('BadKeyInput', 'Expected the access key id and the secret access key, on two lines.')
  }
  return checkKey({accessKeyId, secretAccessKey})
}

export function checkKey(key: StoredHubKey): StoredHubKey {
  if (!KEY_ID.test(key.accessKeyId)) throw new UsageError('BadKeyInput', 'That does not look like an access key id (AKIA...).')
  if (key.secretAccessKey.length < 16) throw new UsageError('BadKeyInput', 'That secret access key is too short.')
  return key
}

/**
 * Asks STS who the key belongs to; a refused key is never stored. Only an
 * answer that refuses the key says so: a refused connection, a 5xx or
 * throttling is a fault of the network or of AWS, and is reported as such.
 */
export async function verifyHubKey(key: StoredHubKey, region: string): Promise<string> {
  const sts = await createStsPort({account: 'hub', accountId: '', region, credentials: key})
  try {
    return (await sts.callerIdentity()).arn
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'BadCredentials' || code === 'ExpiredToken' || code === 'AccessDenied') {
      throw new ExternalError(code, 'AWS refused that key; nothing was stored.', {
        cause: error,
        nextSteps: ['Check the access key id and secret (IAM console → Security credentials), then run `fleet login` again.'],
      })
    }
    const fault = error instanceof FleetError ? error : new ExternalError('AwsError', (error as Error).message, {cause: error})
    throw rewordError(fault, `Could not check the key with AWS STS, so nothing was stored. This is a network or AWS fault, not a verdict on the key:\n${fault.message}`)
  }
}

/** Fails before any prompt when there is no keychain to store the key in. */
export async function assertKeychain(): Promise<void> {
  const store = await openSecretStore()
  await store.get(Services.hub, 'fleet-probe')
}

/** Stores the hub key for a profile and forgets the profile's cached sessions. */
export async function storeHubKey(profile: string, key: StoredHubKey): Promise<void> {
  const store = await openSecretStore()
  await store.set(Services.hub, profile, JSON.stringify(key))
  await new SessionCache(store).clearProfile(profile)
}

/** Removes the hub key and the sessions; true when a key was stored. */
export async function removeHubKey(profile: string): Promise<{removed: boolean; sessions: number}> {
  const store = await openSecretStore()
  const removed = await store.delete(Services.hub, profile)
  const sessions = await new SessionCache(store).clearProfile(profile)
  return {removed, sessions}
}
