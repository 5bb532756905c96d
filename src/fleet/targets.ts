/**
 * Which hosts a command reaches, and how: the app servers of an
 * architecture, and the SSH address of an account's instance. Pure: the
 * caller looks the instance up (AWS) and connects (src/remote).
 */
import {ExternalError} from '../errors.js'
import {type Profile, type ResolvedAccount, resolveArchitecture} from '../profile/load.js'
import type {RemoteTarget} from '../remote/types.js'
import type {InstanceView} from './instances.js'

export const DEFAULT_SSH_USER = 'ec2-user'
export const DEFAULT_SSH_PORT = 22

/**
 * How fleet reaches the account's instance: `ssh.host` or else the instance's
 * public IP (it changes at every start, so it is read each time), `ssh.port`
 * or 22, `ssh.user` or ec2-user, `ssh.key` (already absolute) or ssh-agent.
 */
export function remoteTargetFor(account: ResolvedAccount, instance: InstanceView): RemoteTarget {
  const ssh = account.ssh
  const host = ssh?.host ?? instance.publicIp
  if (!host) {
    const why = instance.state === 'running' ? 'was it launched without one?' : `it is ${instance.state}`
    throw new ExternalError(
      'NoSshAddress',
      `${account.name}'s instance ${instance.id} has no public IP (${why}) and accounts.${account.name}.ssh.host is not set.`,
      {nextSteps: [`Start it (fleet up), or set accounts.${account.name}.ssh.host to an address this machine can reach.`]},
    )
  }
  if (ssh?.host === undefined) refuseEmulatedAddress(account, host)
  return {
    account: account.name,
    instanceId: instance.id,
    host,
    port: ssh?.port ?? DEFAULT_SSH_PORT,
    user: ssh?.user ?? DEFAULT_SSH_USER,
    ...(ssh?.key === undefined ? {} : {keyFile: ssh.key}),
  }
}

/**
 * Against an AWS emulator (AWS_ENDPOINT_URL set), an instance's IP is made
 * up: it may belong to anyone. fleet connects there only to addresses of
 * this machine, or to an ssh.host the profile names.
 */
function refuseEmulatedAddress(account: ResolvedAccount, host: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.AWS_ENDPOINT_URL || /^(127\.|::1$|localhost$)/.test(host)) return
  throw new ExternalError(
    'EmulatedAddress',
    `${account.name}'s instance IP ${host} comes from the AWS emulator at AWS_ENDPOINT_URL, so it is no real host; fleet will not connect to it.`,
    {nextSteps: [`Set accounts.${account.name}.ssh.host to a host this machine can reach (e.g. a test sshd on 127.0.0.1).`]},
  )
}

/**
 * The account names of the app servers (spec section 4 "App servers"): the
 * `apps` of `--arch`, else of the architecture `fleet up` applied last; with
 * neither, every account except `nginx.on`'s. In profile order of the
 * architecture, without duplicates. An unknown architecture is a UsageError.
 */
export function appServersOf(profile: Profile, archFlag: string | undefined, appliedArch: string | null): string[] {
  if (archFlag === undefined && appliedArch === null) {
    const lb = profile.data.nginx?.on
    return profile.accounts.map((a) => a.name).filter((name) => name !== lb)
  }
  const {arch} = resolveArchitecture(profile, archFlag, appliedArch)
  const names = arch.apps.map((app) => (typeof app === 'string' ? app : app.account))
  return [...new Set(names)]
}
