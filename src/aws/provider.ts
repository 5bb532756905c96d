import createDebug from 'debug'

import {ExternalError, FleetError} from '../errors.js'
import type {Profile, ResolvedAccount} from '../profile/load.js'
import {KeychainUnavailableError, memoryStore, openSecretStore, type SecretStore} from '../secrets/secret-store.js'
import {mapAwsError} from './errors.js'
import {resolveHubCredentials} from './hub.js'
import {type ClientContext, clientConfig} from './ports/call.js'
import {type CloudWatchPort, createCloudWatchPort} from './ports/cloudwatch.js'
import {type CostExplorerPort, createCostExplorerPort} from './ports/cost-explorer.js'
import {createEc2Port, type Ec2Port} from './ports/ec2.js'
import {createIamPort, type IamPort} from './ports/iam.js'
import {createInstanceControlPort, type InstanceControlPort} from './ports/instances.js'
import {createRdsPort, type RdsPort} from './ports/rds.js'
import {createSecurityGroupPort, type SecurityGroupPort} from './ports/security-groups.js'
import {createStsPort, type StsPort} from './ports/sts.js'
import {type Credentials, fingerprint, SessionCache} from './session-cache.js'

const debug = createDebug('fleet:aws')

/** One account's AWS, behind the assumed role. Clients load on first use. */
export interface AccountAws {
  readonly account: ResolvedAccount
  readonly roleArn: string
  ec2(): Promise<Ec2Port>
  rds(): Promise<RdsPort>
  sts(): Promise<StsPort>
  iam(): Promise<IamPort>
  sg(): Promise<SecurityGroupPort>
  instances(): Promise<InstanceControlPort>
  /** Cost Explorer (always us-east-1). */
  ce(): Promise<CostExplorerPort>
  cloudwatch(): Promise<CloudWatchPort>
}

export interface ProviderOptions {
  askMfaCode: (serial: string) => Promise<string>
  env?: NodeJS.ProcessEnv
  /** For tests: the keychain to use instead of the OS one. */
  secrets?: SecretStore | null
}

/**
 * The one AWS door: assumes each account's role with the hub identity
 * (sessions cached in the keychain until five minutes before expiry) and
 * hands out narrow clients whose errors are already fleet errors.
 *
 * The hub is resolved when the provider is made, before any fan-out: its
 * failure (no key, no MFA code) is the same for every account, so it fails
 * the command once instead of once per account.
 */
export class AwsProvider {
  private readonly accounts = new Map<string, Promise<AccountAws>>()

  private constructor(
    private readonly profile: Profile,
    private readonly hub: Credentials,
    private readonly sessions: SessionCache,
    private readonly options: ProviderOptions,
  ) {}

  static async create(profile: Profile, options: ProviderOptions): Promise<AwsProvider> {
    const secrets = options.secrets === undefined ? await reachableKeychain() : options.secrets
    const sessions = new SessionCache(secrets ?? memoryStore())
    const hub = await resolveHubCredentials({
      profileName: profile.name,
      hub: profile.data.hub,
      secrets,
      openSecrets: () => openSecretStore(),
      sessions,
      region: hubRegion(profile),
      askMfaCode: options.askMfaCode,
      env: options.env,
    })
    return new AwsProvider(profile, hub, sessions, options)
  }

  /** The account's clients; the role is assumed once per run at most. */
  forAccount(account: ResolvedAccount): Promise<AccountAws> {
    let session = this.accounts.get(account.name)
    if (!session) {
      session = this.open(account)
      this.accounts.set(account.name, session)
    }
    return session
  }

  /**
   * Starts loading the clients a command is about to use while its first
   * calls (the role sessions) are in flight: loading the EC2 client takes
   * about as long as one AWS round trip.
   */
  preload(...services: Array<'ec2' | 'rds' | 'iam' | 'ce' | 'cloudwatch'>): void {
    const load = {
      ec2: () => import('./sdk/ec2.js'),
      rds: () => import('./sdk/rds.js'),
      iam: () => import('./sdk/iam.js'),
      ce: () => import('./sdk/cost-explorer.js'),
      cloudwatch: () => import('./sdk/cloudwatch.js'),
    }
    for (const service of services) load[service]().catch(() => {})
  }

  /** STS as the hub itself: who fleet is before assuming any role. */
  hubSts(): Promise<StsPort> {
    return createStsPort({account: 'hub', accountId: '', region: hubRegion(this.profile), credentials: this.hub})
  }

  private async open(account: ResolvedAccount): Promise<AccountAws> {
    const credentials = await this.roleCredentials(account)
    const ctx: ClientContext = {account: account.name, accountId: account.accountId, region: account.region, credentials}
    const once = <T>(make: () => Promise<T>) => {
      let made: Promise<T> | undefined
      return () => (made ??= make())
    }
    return {
      account,
      roleArn: account.roleArn,
      ec2: once(() => createEc2Port(ctx)),
      rds: once(() => createRdsPort(ctx)),
      sts: once(() => createStsPort(ctx)),
      iam: once(() => createIamPort(ctx)),
      sg: once(() => createSecurityGroupPort(ctx)),
      instances: once(() => createInstanceControlPort(ctx)),
      ce: once(() => createCostExplorerPort(ctx)),
      cloudwatch: once(() => createCloudWatchPort(ctx)),
    }
  }

  private readonly hubClients = new Map<string, Promise<HubSts>>()

  /** One STS client per region signs every AssumeRole of the run. */
  private hubStsIn(region: string, hub: Credentials): Promise<HubSts> {
    let client = this.hubClients.get(region)
    if (!client) {
      client = import('./sdk/sts.js').then(({STSClient}) => new STSClient(clientConfig({region, credentials: hub})))
      this.hubClients.set(region, client)
    }
    return client
  }

  private async roleCredentials(account: ResolvedAccount): Promise<Credentials> {
    const hub = this.hub
    const key = `${this.profile.name}:${account.name}`
    // The endpoint too: a session from an emulator is no session on AWS, nor on another emulator.
    const endpoint = (this.options.env ?? process.env).AWS_ENDPOINT_URL
    const fp = fingerprint(hub.accessKeyId, account.roleArn, account.externalId, this.profile.data.hub.mfaSerial, endpoint)
    const cached = await this.sessions.get(key, fp)
    if (cached) {
      debug('%s: cached role session', account.name)
      return cached
    }
    const fresh = await assumeRole(await this.hubStsIn(account.region, hub), account, this.profile.name)
    await this.sessions.put(key, fp, fresh)
    return fresh
  }
}

function hubRegion(profile: Profile): string {
  return profile.accounts[0]?.region ?? 'us-east-1'
}

type HubSts = {send: InstanceType<typeof import('./sdk/sts.js').STSClient>['send']}

async function assumeRole(sts: HubSts, account: ResolvedAccount, profileName: string): Promise<Credentials> {
  const {AssumeRoleCommand} = await import('./sdk/sts.js')
  debug('%s: AssumeRole %s', account.name, account.roleArn)
  try {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: account.roleArn,
        RoleSessionName: `fleet-${profileName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
        ExternalId: account.externalId,
        DurationSeconds: 3600,
      }),
    )
    const c = out.Credentials
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new ExternalError('AssumeRoleEmpty', 'AssumeRole returned no credentials.')
    return {accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration}
  } catch (error) {
    const mapped = mapAwsError(error, {account: account.name, accountId: account.accountId, region: account.region, action: 'sts:AssumeRole'})
    if (mapped.code === 'AccessDenied') {
      throw new ExternalError('RoleNotAssumable', `account ${account.name}: cannot assume ${account.roleArn} (AccessDenied).`, {
        cause: error,
        nextSteps: ["Check the role's trust policy and externalId: `fleet iam policy` prints the trust policy to use."],
      })
    }
    throw mapped
  }
}

/** The OS keychain when one answers, else null (sessions then live in memory). */
async function reachableKeychain(): Promise<SecretStore | null> {
  try {
    const store = await openSecretStore()
    await store.get('fleet-probe', 'probe')
    return store
  } catch (error) {
    if (error instanceof KeychainUnavailableError) {
      debug('no keychain: sessions live in memory for this command')
      return null
    }
    if (error instanceof FleetError) throw error
    return null
  }
}
