import type {AccountConfig, ProfileData} from './schema.js'

/** An account with everything that has a default or a path filled in. */
export interface ResolvedAccount extends AccountConfig {
  name: string
  /** account.region ?? profile region ?? AWS_REGION ?? AWS_DEFAULT_REGION. */
  region: string
  /** `key` is absolute; `user` defaults to ec2-user. */
  ssh?: {user: string; key?: string; host?: string; port?: number}
}

export interface Profile {
  name: string
  /** Absolute path of the YAML file. */
  file: string
  data: ProfileData
  /** In file order. */
  accounts: ResolvedAccount[]
  /** Architecture ids in file order. */
  architectureIds: string[]
  /** The named account; an unknown name is a UsageError. */
  account(name: string): ResolvedAccount
}
