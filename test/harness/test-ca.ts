/**
 * A certificate authority of the test's own, made with `openssl` in a temp
 * folder, and a server certificate it signs for the names given (as
 * subjectAltName DNS entries): an https site the way certbot gives nginx
 * one, without any real CA. A process trusts it through
 * `NODE_EXTRA_CA_CERTS=<caFile>` (read at start-up), or, in the test's own
 * process, through `trustTestCa(ca)`.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {getCACertificates, setDefaultCACertificates} from 'node:tls'

import {tempDir} from './temp-dirs.ts'

export interface TestCa {
  dir: string
  /** The CA's certificate (PEM), for NODE_EXTRA_CA_CERTS. */
  caFile: string
  ca: string
  /** The server's certificate and key (PEM files), for nginx's ssl_certificate / ssl_certificate_key. */
  certFile: string
  keyFile: string
  cert: string
  key: string
}

/** A new CA and a server certificate it signed for `names` (valid for two days). */
export function makeTestCa(names: string[]): TestCa {
  const dir = tempDir('fleet-test-ca-')
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=fleet test CA')
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${names[0]}`)
  writeFileSync(file('ext.cnf'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`)
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf')
  const read = (name: string) => readFileSync(file(name), 'utf8')
  return {dir, caFile: file('ca.crt'), ca: read('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key'), cert: read('server.crt'), key: read('server.key')}
}

/** This process trusts `ca` too, from now on (as NODE_EXTRA_CA_CERTS would have made it at start-up). */
export function trustTestCa(ca: TestCa): void {
  setDefaultCACertificates([...getCACertificates('default'), ca.ca])
}
