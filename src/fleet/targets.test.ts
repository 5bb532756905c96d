import {readFileSync} from 'node:fs'

import {describe, expect, test} from 'vitest'

import {profileFromText} from '../profile/load.js'
import type {InstanceView} from './instances.js'
import {appServersOf, remoteTargetFor} from './targets.js'

const example = profileFromText(readFileSync(new URL('../../profiles/example.yaml', import.meta.url), 'utf8'), {
  name: 'example',
  file: '/x/example.yaml',
  env: {HOME: '/home/me'},
})

const instance = (over: Partial<InstanceView> = {}): InstanceView => ({
  id: 'i-0123456789abcdef0',
  state: 'running',
  type: 't2.micro',
  publicIp: '3.4.5.6',
  privateIp: '172.31.0.9',
  launchTime: null,
  autoStopAt: null,
  ...over,
})

describe('remoteTargetFor', () => {
  test('the public IP, port 22, the profile user and its absolute key', () => {
    expect(remoteTargetFor(example.account('app-1'), instance())).toEqual({
      account: 'app-1',
      instanceId: 'i-0123456789abcdef0',
      host: '3.4.5.6',
      port: 22,
      user: 'ec2-user',
      keyFile: '/home/me/.ssh/fleet.pem',
    })
  })

  test('ssh.host and ssh.port win over the instance address; no ssh section means ec2-user and ssh-agent', () => {
    const account = {...example.account('app-3'), ssh: {user: 'ubuntu', host: '127.0.0.1', port: 2222}}
    expect(remoteTargetFor(account, instance({publicIp: null}))).toMatchObject({host: '127.0.0.1', port: 2222, user: 'ubuntu'})
    const bare = remoteTargetFor({...example.account('app-3'), ssh: undefined}, instance())
    expect(bare).toMatchObject({user: 'ec2-user', port: 22})
    expect(bare).not.toHaveProperty('keyFile')
  })

  test('no public IP and no ssh.host is an external error that says why', () => {
    expect(() => remoteTargetFor(example.account('app-2'), instance({publicIp: null, state: 'stopped'}))).toThrow(
      expect.objectContaining({code: 'NoSshAddress', exitCode: 3, message: expect.stringMatching(/app-2's instance i-\w+ has no public IP \(it is stopped\)/)}),
    )
  })
})

describe('appServersOf', () => {
  test('with no architecture: every account but nginx.on', () => {
    expect(appServersOf(example, undefined, null)).toEqual(['app-1', 'app-2', 'app-3'])
  })

  test('the architecture last applied, or --arch over it', () => {
    expect(appServersOf(example, undefined, '2')).toEqual(['app-1'])
    expect(appServersOf(example, '6', '2')).toEqual(['app-1', 'app-2', 'app-3'])
    // Architecture 1 runs an app on the LB host too ({account, ports} entries).
    expect(appServersOf(example, '1', null)).toEqual(['lb', 'app-1'])
  })

  test('an unknown architecture is bad usage', () => {
    expect(() => appServersOf(example, '42', null)).toThrow(expect.objectContaining({code: 'UnknownArchitecture', exitCode: 2}))
  })
})

describe('remoteTargetFor against an AWS emulator', () => {
  test('refuses an instance IP the emulator made up, but not ssh.host or a loopback address', () => {
    const saved = process.env.AWS_ENDPOINT_URL
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5000'
    try {
      expect(() => remoteTargetFor(example.account('app-1'), instance({publicIp: '54.214.1.2'}))).toThrow(/comes from the AWS emulator/)
      expect(remoteTargetFor(example.account('app-1'), instance({publicIp: '127.0.0.5'})).host).toBe('127.0.0.5')
      const pinned = {...example.account('app-1'), ssh: {user: 'ec2-user', host: '10.9.8.7'}}
      expect(remoteTargetFor(pinned, instance({publicIp: '54.214.1.2'})).host).toBe('10.9.8.7')
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL
      else process.env.AWS_ENDPOINT_URL = saved
    }
  })
})
