/**
 * Host keys pinned by instance id, against a real OpenSSH sshd whose host
 * key changes (as after a rebuilt instance).
 */
import {execFileSync} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'

import {afterAll, beforeAll, describe, expect, test} from 'vitest'

import {connect, withRemote} from '../../src/remote/connect.js'
import {forgetHostKey} from '../../src/remote/known-hosts.js'
import {type Sshd, startSshd} from '../harness/sshd.js'
import {failure, freshOptions, removeTempDirs, targetOf} from './helpers.js'

let sshd: Sshd

beforeAll(async () => {
  sshd = await startSshd({addresses: ['127.0.0.1', '127.0.0.3']})
}, 30_000)

afterAll(async () => {
  await sshd?.dispose()
  await removeTempDirs()
})

/** What `ssh-keygen -l` prints as the fingerprint of a public key file. */
function fingerprintOfFile(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], {encoding: 'utf8'}).split(' ')[1] ?? ''
}

describe('host keys', () => {
  test('are pinned by instance id on first use, whatever address the instance has', async () => {
    const options = await freshOptions()
    const target = targetOf(sshd, {instanceId: 'i-0aaaaaaaaaaaaaaa1'})
    await withRemote(target, options, async (sh) => expect((await sh.exec('echo hi')).stdout).toBe('hi\n'))

    const [, base64] = (await sshd.hostPublicKey()).split(' ')
    const pinned = await readFile(options.knownHosts.file, 'utf8')
    expect(pinned).toMatch(new RegExp(`^i-0aaaaaaaaaaaaaaa1 ssh-ed25519 ${base64?.replaceAll('+', '\\+')} `))

    // After a stop/start the public IP differs: the pin follows the instance id.
    await withRemote({...target, host: '127.0.0.3'}, options, async (sh) => expect((await sh.exec('echo again')).code).toBe(0))
    expect(await readFile(options.knownHosts.file, 'utf8')).toBe(pinned)
  })

  test('a changed key is refused with both fingerprints, and accepted once the old one is forgotten', async () => {
    const rig = await startSshd()
    try {
      const options = await freshOptions()
      const target = targetOf(rig, {account: 'app-1', instanceId: 'i-0bbbbbbbbbbbbbbb2'})
      await withRemote(target, options, async () => {})
      const oldFingerprint = fingerprintOfFile(`${rig.hostKeyFile}.pub`)

      await rig.regenerateHostKey()
      const newFingerprint = fingerprintOfFile(`${rig.hostKeyFile}.pub`)
      expect(newFingerprint).not.toBe(oldFingerprint)

      const error = await failure(connect({...target, port: rig.port}, options))
      expect(error).toMatchObject({code: 'HostKeyChanged', exitCode: 3})
      expect(error.message).toContain('i-0bbbbbbbbbbbbbbb2')
      expect(error.message).toContain('app-1')
      expect(error.message).toContain(`pinned:  ssh-ed25519 ${oldFingerprint}`)
      expect(error.message).toContain(`offered: ssh-ed25519 ${newFingerprint}`)
      expect(error.nextSteps.join('\n')).toContain('fleet hosts forget i-0bbbbbbbbbbbbbbb2')
      expect(error.nextSteps.join('\n')).toContain('--accept-new-host-key')

      expect(await forgetHostKey(target.instanceId, options.knownHosts.file)).toBe(true)
      await withRemote({...target, port: rig.port}, options, async (sh) => expect((await sh.exec('true')).code).toBe(0))
      expect(await options.knownHosts.get(target.instanceId)).toMatchObject({type: 'ssh-ed25519'})
      expect(await options.knownHosts.get(target.instanceId)).not.toBeNull()
    } finally {
      await rig.dispose()
    }
  })

  test('a host with several keys is asked for the type that is pinned', async () => {
    const rig = await startSshd({hostKeyTypes: ['ed25519', 'ecdsa', 'rsa']})
    try {
      for (const type of ['ecdsa', 'rsa'] as const) {
        const options = await freshOptions()
        const [keyType, base64] = (await rig.hostPublicKey(type)).split(' ')
        // As if pinned by a client that preferred this type.
        await writeFile(options.knownHosts.file, `i-0eeeeeeeeeeeeeee5 ${keyType} ${base64}\n`)
        await withRemote(targetOf(rig, {instanceId: 'i-0eeeeeeeeeeeeeee5'}), options, async () => {})
        expect(await options.knownHosts.get('i-0eeeeeeeeeeeeeee5')).toEqual({type: keyType, base64})
      }
    } finally {
      await rig.dispose()
    }
  })

  test('acceptNewHostKey replaces a changed key deliberately', async () => {
    const rig = await startSshd()
    try {
      const options = await freshOptions()
      const target = targetOf(rig, {instanceId: 'i-0ccccccccccccccc3'})
      await withRemote(target, options, async () => {})
      await rig.regenerateHostKey()
      await expect(connect({...target, port: rig.port}, options)).rejects.toMatchObject({code: 'HostKeyChanged'})

      await withRemote({...target, port: rig.port}, {...options, acceptNewHostKey: true}, async () => {})
      const [, base64] = (await rig.hostPublicKey()).split(' ')
      expect(await options.knownHosts.get(target.instanceId)).toEqual({type: 'ssh-ed25519', base64})
      // From now on the new key is the pinned one, without the flag.
      await withRemote({...target, port: rig.port}, options, async () => {})
    } finally {
      await rig.dispose()
    }
  })
})
