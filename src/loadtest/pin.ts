/**
 * Where the load goes, pinned (pure but for `node:tls`'s certificate check):
 * every connection of a load test — the readiness check and every engine —
 * goes to the LB this run converged, at one IP address fleet read from AWS,
 * never to what DNS says the URL's host is. The URL's host name and port are
 * kept for the `Host` header and for TLS: SNI, and the certificate is checked
 * against that name, not against the address connected to (what `curl
 * --resolve name:port:ip` does).
 *
 * A DNS record for the site keeps naming the LB's old public IP after a
 * start, until it is updated and its TTL has passed, and resolvers cache
 * it; AWS hands a released IP to another customer. So nothing here looks a
 * name up: a step without an address is only accepted for a URL whose host
 * is already an IP address.
 */
import {isIP} from 'node:net'
import {checkServerIdentity, type PeerCertificate} from 'node:tls'

import {UsageError} from '../errors.js'

export type AddressKind = 'public' | 'private'

/** A URL and the address its connections go to. */
export interface PinnedTarget {
  /** The URL as written: its host name and port go in `Host` and TLS. */
  url: string
  /** The URL's host name (an IPv6 address without brackets). */
  hostname: string
  /** The `Host` header: the URL's host, with its port when it is not the scheme's. */
  hostHeader: string
  port: number
  secure: boolean
  /** Path and query of the URL. */
  path: string
  /** The IP address every connection goes to. */
  ip: string
}

/** Where the address came from, for people: `lb's public IP`. */
export interface AddressSource {
  account: string
  kind: AddressKind
}

/**
 * Pins `url` to `ip`. Without `ip`, the URL's host must be an IP address
 * (a name would need a look-up, which fleet never makes for the load).
 */
export function pinTarget(url: string, ip?: string): PinnedTarget {
  const parsed = parseTargetUrl(url)
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const address = ip ?? (isIP(hostname) ? hostname : undefined)
  if (address === undefined) {
    throw new UsageError('UnpinnedTarget', `${url} names a host, and no address to connect to was given: fleet never looks the load's host up in DNS.`)
  }
  if (!isIP(address)) throw new UsageError('BadAddress', `${JSON.stringify(address)} is not an IP address to connect to.`)
  const secure = parsed.protocol === 'https:'
  return {url, hostname, hostHeader: parsed.host, port: Number(parsed.port) || (secure ? 443 : 80), secure, path: `${parsed.pathname}${parsed.search}`, ip: address}
}

function parseTargetUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError('BadTargetUrl', `${JSON.stringify(url)} is not a URL.`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('BadTargetUrl', `${url} is not an http:// or https:// URL.`)
  return parsed
}

/** `54.180.12.7:443`, `[2001:db8::1]:443`. */
export function pinnedAddress(pin: PinnedTarget): string {
  return `${isIP(pin.ip) === 6 ? `[${pin.ip}]` : pin.ip}:${pin.port}`
}

/** The URL with the address in place of its host: what an engine connects to (`https://54.180.12.7:443/path`). */
export function connectUrl(pin: PinnedTarget, path: string = pin.path): string {
  return `${pin.secure ? 'https' : 'http'}://${pinnedAddress(pin)}${path}`
}

/** The TLS server name to send (SNI): the URL's host name; none for an IP address (RFC 6066). */
export function serverName(pin: PinnedTarget): string | undefined {
  return isIP(pin.hostname) ? undefined : pin.hostname
}

/** A `checkServerIdentity` that checks the certificate against the URL's host name, whatever address was connected to. */
export function identityCheck(pin: PinnedTarget): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => checkServerIdentity(pin.hostname, cert)
}

/** The options of `node:http(s).request` for `path` through the pin: a fresh connection to the address, the URL's Host and TLS name. */
export function requestOptions(pin: PinnedTarget, path: string = pin.path) {
  return {
    host: pin.ip,
    port: pin.port,
    path,
    method: 'GET',
    headers: {host: pin.hostHeader, 'user-agent': 'fleet-loadtest'},
    agent: false as const,
    ...(pin.secure ? {servername: serverName(pin), checkServerIdentity: identityCheck(pin), rejectUnauthorized: true} : {}),
  }
}

/**
 * Certificate problems OpenSSL and Node report (a wrong name, an unknown CA,
 * an expired or self-signed certificate): the target is not the site the
 * URL names, or this machine does not trust its CA. Waiting does not fix it.
 */
const CERTIFICATE_ERRORS = /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|UNABLE_TO_(GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE|DECRYPT_CERT_SIGNATURE|GET_ISSUER_CERT_LOCALLY)|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT)/

export function isCertificateError(code: string | undefined | null): boolean {
  return typeof code === 'string' && CERTIFICATE_ERRORS.test(code)
}

/** `lb's public IP` */
export function sourceText(source: AddressSource): string {
  return `${source.account}'s ${source.kind} IP`
}

/**
 * `https://parking.example.com/ → 54.180.12.7:443 (lb's public IP; DNS not used)`;
 * before the address is known: `https://parking.example.com/ → lb's public IP:443 (read after up; DNS not used)`.
 */
export function pinLabel(url: string, source: AddressSource, address: string | null): string {
  if (address !== null) return `${url} → ${address} (${sourceText(source)}; DNS not used)`
  return `${url} → ${sourceText(source)}:${defaultPort(url)} (read after up; DNS not used)`
}

function defaultPort(url: string): string {
  const match = /^(https?):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d+))?/i.exec(url)
  return match?.[3] ?? (match?.[1]?.toLowerCase() === 'https' ? '443' : '80')
}

/**
 * Against an AWS emulator (AWS_ENDPOINT_URL), an instance's IP is made up
 * and may be anyone's: the load goes only to a loopback address.
 */
export function refuseEmulatedAddress(ip: string, source: AddressSource, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.AWS_ENDPOINT_URL || /^(127\.|::1$)/.test(ip)) return
  throw new UsageError('EmulatedTarget', `${sourceText(source)} ${ip} comes from the AWS emulator at AWS_ENDPOINT_URL, so it is no real host; fleet sends no load to it.`, {
    nextSteps: [`Give ${source.account}'s instance a loopback private IP (127.x.x.x) that a local nginx serves, and set \`loadtest.address: private\`.`],
  })
}
