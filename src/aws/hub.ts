import createDebug from 'debug'

import {UsageError} from '../errors.js'
import type {HubConfig} from '../profile/schema.js'
import {type SecretStore, Services} from '../secrets/secret-store.js'
import {mapAwsError} from './errors.js'
import {clientConfig} from './ports/call.js'
import {type Credentials, fingerprint, type SessionCache} from './session-cache.js'

const debug = createDebug('fleet:hub')

/** The hub key as stored by `fleet login`. */
export interface StoredHubKey {
  accessKeyId: string
  secretAccessKey: string
}

export interface HubDeps {
  profileName: string
  hub: HubConfig
  /** null when no keychain is reachable. */
  secrets: SecretStore | null
  /** Resolves the keychain lazily: only a keychain hub needs it. */
  openSecrets?: () => Promise<SecretStore>
  sessions: SessionCache
  region: string
  /** Asks for an MFA code; only called once per run. */
  askMfaCode: (serial: string) => Promise<string>
  env?: NodeJS.ProcessEnv
}

/**
 * The identity that assumes every role: the keychain key, an AWS CLI
 * profile (SSO works) or the environment, turned into an MFA session first
 * when the profile names an MFA device. The result is what AssumeRole is
 * signed with; it is never role credentials of fleet's own making.
 */
export async function resolveHubCredentials(deps: HubDeps): Promise<Credentials> {
  const base = await baseCredentials(deps)
  if (!deps.hub.mfaSerial) return base
  return mfaSession(deps, base, deps.hub.mfaSerial)
}

async function baseCredentials(deps: HubDeps): Promise<Credentials> {
  const {hub, profileName} = deps
  switch (hub.source) {
    case 'keychain': {
      const store = deps.secrets ?? (await deps.openSecrets?.())
      if (!store) throw new UsageError('KeychainUnavailable', 'hub.source is keychain but no keychain is available.')
      const raw = await store.get(Services.hub, profileName)
      if (!raw) {
        throw new UsageError('NotLoggedIn', `No hub key is stored in the keychain for profile "${profileName}".`, {
          nextSteps: [`Run \`fleet login --profile ${profileName}\`.`],
        })
      }
      const key = JSON.parse(raw) as StoredHubKey
      return {accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey}
    }
    case 'aws-profile': {
      if (!hub.awsProfile) throw new UsageError('InvalidProfile', 'hub.source is aws-profile but hub.awsProfile is not set.')
      const {fromIni} = await import('@aws-sdk/credential-providers')
      try {
        return await fromIni({profile: hub.awsProfile})()
      } catch (error) {
        throw new UsageError('HubProfileUnusable', `AWS profile "${hub.awsProfile}" gave no credentials: ${(error as Error).message}`, {
          nextSteps: [`Check ~/.aws/config; for SSO run \`aws sso login --profile ${hub.awsProfile}\`.`],
        })
      }
    }
    case 'env': {
      const env = deps.env ?? process.env
      const accessKeyId = env.AWS_ACCESS_KEY_ID
      const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
      if (!accessKeyId || !secretAccessKey) {
        throw new UsageError('NoEnvCredentials', 'hub.source is env but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are not set.')
      }
      return {accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined}
    }
  }
}

/** One GetSessionToken with one MFA code, cached like a role session. */
async function mfaSession(deps: HubDeps, base: Credentials, serial: string): Promise<Credentials> {
  const key = `${deps.profileName}:mfa`
  const fp = fingerprint(base.accessKeyId, serial, (deps.env ?? process.env).AWS_ENDPOINT_URL)
  const cached = await deps.sessions.get(key, fp)
  if (cached) {
    debug('reusing the MFA session')
    return cached
  }
  const code = (await deps.askMfaCode(serial)).trim()
  if (!/^\d{6}$/.test(code)) throw new UsageError('BadMfaCode', 'An MFA code is six digits.')
  const {STSClient, GetSessionTokenCommand} = await import('./sdk/sts.js')
  const sts = new STSClient(clientConfig({region: deps.region, credentials: base}))
  try {
    const out = await sts.send(new GetSessionTokenCommand({SerialNumber: serial, TokenCode: code, DurationSeconds: 12 * 3600}))
    const c = out.Credentials!
    const session = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    }
    await deps.sessions.put(key, fp, session)
    return session
  } catch (error) {
    throw mapAwsError(error, {account: 'hub', action: 'sts:GetSessionToken'})
  }
}
