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
