import {describe, expect, test} from 'vitest'

import {connectUrl, isCertificateError, pinLabel, pinnedAddress, pinTarget, refuseEmulatedAddress, requestOptions, serverName} from './pin.js'

describe('pinTarget: the URL as written for Host and TLS, the LB\'s address for the connection', () => {
  test('a host name: Host and SNI are the name (with a port that is not the scheme\'s), the connection goes to the address', () => {
    const pin = pinTarget('https://parking.example.com/parking/slots?day=1', '54.180.12.7')
    expect(pin).toEqual({url: 'https://parking.example.com/parking/slots?day=1', hostname: 'parking.example.com', hostHeader: 'parking.example.com', port: 443, secure: true, path: '/parking/slots?day=1', ip: '54.180.12.7'})
    expect(connectUrl(pin)).toBe('https://54.180.12.7:443/parking/slots?day=1')
    expect(pinnedAddress(pin)).toBe('54.180.12.7:443')
    expect(serverName(pin)).toBe('parking.example.com')
    expect(requestOptions(pin, '/actuator/health')).toMatchObject({host: '54.180.12.7', port: 443, path: '/actuator/health', headers: {host: 'parking.example.com'}, servername: 'parking.example.com', rejectUnauthorized: true, agent: false})
    expect(pinTarget('http://parking.example.com:8080/', '10.0.1.5')).toMatchObject({hostHeader: 'parking.example.com:8080', port: 8080, secure: false})
  })

  test('an IP address in the URL: no SNI (RFC 6066); without an address it is its own; IPv6 in brackets', () => {
    expect(serverName(pinTarget('https://3.35.0.1/'))).toBeUndefined()
    expect(pinTarget('http://127.0.0.1:8080/')).toMatchObject({ip: '127.0.0.1', hostHeader: '127.0.0.1:8080'})
    const v6 = pinTarget('http://[::1]:8080/x', '::1')
    expect([v6.hostname, pinnedAddress(v6), connectUrl(v6)]).toEqual(['::1', '[::1]:8080', 'http://[::1]:8080/x'])
  })

  test('never a look-up: a name without an address is refused, as is an address that is not an IP', () => {
    expect(() => pinTarget('https://parking.example.com/')).toThrow(expect.objectContaining({code: 'UnpinnedTarget', exitCode: 2}))
    expect(() => pinTarget('https://parking.example.com/', 'lb.internal')).toThrow(expect.objectContaining({code: 'BadAddress'}))
    expect(() => pinTarget('ftp://x/', '127.0.0.1')).toThrow(expect.objectContaining({code: 'BadTargetUrl'}))
  })

  test('the line people read: where the load goes, and that DNS is not used', () => {
    const lb = {account: 'lb', kind: 'public'} as const
    expect(pinLabel('https://parking.example.com/', lb, '54.180.12.7:443')).toBe('https://parking.example.com/ → 54.180.12.7:443 (lb\'s public IP; DNS not used)')
    expect(pinLabel('https://parking.example.com:8443/', {account: 'nginx', kind: 'private'}, null)).toBe('https://parking.example.com:8443/ → nginx\'s private IP:8443 (read after up; DNS not used)')
    expect(pinLabel('http://parking.example.com/', lb, null)).toBe('http://parking.example.com/ → lb\'s public IP:80 (read after up; DNS not used)')
  })

  test('certificate errors are told from network errors (waiting fixes only the latter)', () => {
    for (const code of ['ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED']) expect(isCertificateError(code), code).toBe(true)
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', undefined]) expect(isCertificateError(code), String(code)).toBe(false)
  })

  test('against an AWS emulator only a loopback address is loaded (its IPs are made up)', () => {
    const emulator = {AWS_ENDPOINT_URL: 'http://127.0.0.1:5000'}
    expect(() => refuseEmulatedAddress('127.0.0.190', {account: 'lb', kind: 'private'}, emulator)).not.toThrow()
    expect(() => refuseEmulatedAddress('54.214.3.4', {account: 'lb', kind: 'public'}, {})).not.toThrow()
    expect(() => refuseEmulatedAddress('10.0.1.5', {account: 'lb', kind: 'private'}, emulator)).toThrow('lb\'s private IP 10.0.1.5 comes from the AWS emulator at AWS_ENDPOINT_URL, so it is no real host; fleet sends no load to it.')
  })
})
