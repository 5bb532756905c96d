/**
 * `rds.public` / `rds.private` filled in: `{endpoint}` and `{port}` from
 * DescribeDBInstances, `{NAME.privateIp}` / `{NAME.publicIp}` of any account.
 * The profile check (src/profile/cross-check.ts) refuses unknown placeholders
 * early; this is the last word when a template is rendered.
 */
import {ExternalError, UsageError, type FleetError} from '../errors.js'
import type {DbUrls, EnvResult} from './types.js'

/** An account's instance addresses now (null: no instance, stopped, or no public IP). */
export interface AccountIps {
  privateIp: string | null
  publicIp: string | null
}

export interface DbUrlVars {
  /** The DB's endpoint address; null while it has none (being created). */
  endpoint?: string | null
  port?: number | string | null
  /** Every account of the profile, by name. */
  accounts: Record<string, AccountIps>
}

const PLACEHOLDER = /\{([^{}]*)\}/g
const ACCOUNT_FIELD = /^([A-Za-z0-9][A-Za-z0-9_-]*)\.(privateIp|publicIp)$/
const HELP = 'use {endpoint}, {port}, {NAME.privateIp} or {NAME.publicIp}'

/**
 * The template with every placeholder filled in. An unknown placeholder or
 * account is a usage error (the profile is wrong); a known one that has no
 * value now (a stopped instance, a DB without an endpoint) is external.
 */
export function renderDbUrl(template: string, vars: DbUrlVars, field = 'the rds URL template'): EnvResult<{url: string}> {
  const unknown: string[] = []
  const unavailable: string[] = []
  const url = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = lookup(name, vars)
    if (value === undefined) unknown.push(whole)
    else if (value === null) unavailable.push(whole)
    return value ?? whole
  })
  if (unknown.length > 0) return {ok: false, error: unknownPlaceholders(field, unknown, vars)}
  if (unavailable.length > 0) return {ok: false, error: unavailablePlaceholders(field, unavailable)}
  return {ok: true, url}
}

/** Both templates of the profile's `rds` section, rendered. */
export function renderDbUrls(rds: DbUrls, vars: DbUrlVars): EnvResult<{urls: DbUrls}> {
  const pub = renderDbUrl(rds.public, vars, 'rds.public')
  if (!pub.ok) return pub
  const priv = renderDbUrl(rds.private, vars, 'rds.private')
  if (!priv.ok) return priv
  return {ok: true, urls: {public: pub.url, private: priv.url}}
}

// The value; null when it is known but has none now, undefined when the placeholder is unknown.
function lookup(name: string, vars: DbUrlVars): string | null | undefined {
  if (name === 'endpoint') return vars.endpoint ?? null
  if (name === 'port') return vars.port == null ? null : String(vars.port)
  const m = ACCOUNT_FIELD.exec(name)
  if (!m || !Object.hasOwn(vars.accounts, m[1]!)) return undefined
  return vars.accounts[m[1]!]![m[2] as keyof AccountIps]
}

function unknownPlaceholders(field: string, names: string[], vars: DbUrlVars): FleetError {
  const accounts = Object.keys(vars.accounts).join(', ') || '(none)'
  return new UsageError('UnknownPlaceholder', `${field} has unknown placeholder${names.length > 1 ? 's' : ''} ${names.join(', ')}: ${HELP}.`, {
    nextSteps: [`Fix ${field} in the profile; NAME is an account of the profile (${accounts}).`],
  })
}

function unavailablePlaceholders(field: string, names: string[]): FleetError {
  return new ExternalError('PlaceholderUnavailable', `${field} needs ${names.join(', ')}, which ${names.length > 1 ? 'have' : 'has'} no value now.`, {
    nextSteps: ['Start the instance it names (fleet up), or wait until the DB instance has an endpoint, then run the command again.'],
  })
}
