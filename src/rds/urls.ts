import type {DBInstance} from '@aws-sdk/client-rds'

import {type AccountIps, type DbUrls, renderDbUrls} from '../envfile/index.js'
import type {FleetError} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {Profile} from '../profile/load.js'
import type {RdsConfig} from '../profile/schema.js'
import {endpointOf} from './db.js'

const ACCOUNT_FIELD = /\{([A-Za-z0-9][A-Za-z0-9_-]*)\.(?:privateIp|publicIp)\}/g

/** The accounts whose addresses the templates use (`{lb.privateIp}`): their instances must be read. */
export function templateAccounts(rds: Pick<RdsConfig, 'public' | 'private'>): string[] {
  const names = [rds.public, rds.private].flatMap((t) => [...t.matchAll(ACCOUNT_FIELD)].map((m) => m[1]!))
  return [...new Set(names)]
}

/**
 * `rds.public` and `rds.private` rendered from the DB and the instances as
 * read now. An account not read, or without the address, has no value:
 * the caller reports it (exit 3) before changing anything.
 */
export function renderUrls(profile: Profile, rds: RdsConfig, db: DBInstance, instances: FleetInstances): {ok: true; urls: DbUrls} | {ok: false; error: FleetError} {
  const accounts: Record<string, AccountIps> = {}
  for (const account of profile.accounts) {
    const view = instances.get(account.name)?.instance ?? null
    accounts[account.name] = {privateIp: view?.privateIp ?? null, publicIp: view?.publicIp ?? null}
  }
  return renderDbUrls({public: rds.public, private: rds.private}, {...endpointOf(db), accounts})
}
