/**
 * Services called directly (no build, no CLI) with an injected provider,
 * against the real peers: the one instance lookup against moto, and the
 * upstream step on a real sshd + nginx. A failure here points at the
 * service, not at the command around it.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {TerminateInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AwsProvider} from '../src/aws/provider.js'
import {readInstances} from '../src/fleet/read-instances.js'
import {profileFromText} from '../src/profile/load.js'
import {connect, KnownHosts} from '../src/remote/index.js'
import {JsonStore} from '../src/state/json-store.js'
import {syncOnHost} from '../src/upstream/host.js'
import {type Backends, startBackends} from './harness/backends.ts'
import {accountEc2, HUB_CREDENTIALS, type Moto, roleArn, seedAccount, startMoto, tempDir, uniqueAccountId} from './harness/moto.ts'
import {type Nginx, startNginx} from './harness/nginx.ts'
import {type Sshd, startSshd} from './harness/sshd.ts'

let moto: Moto
const ids = {one: uniqueAccountId(), none: uniqueAccountId(), two: uniqueAccountId(), gone: uniqueAccountId()}

beforeAll(async () => {
  moto = await startMoto()
  await seedAccount(moto, {accountId: ids.one, instances: [{tags: {fleet: 'app'}, type: 't2.small', state: 'stopped'}, {tags: {other: 'x'}}]})
  await seedAccount(moto, {accountId: ids.none, instances: [{tags: {fleet: 'lb'}}]})
  await seedAccount(moto, {accountId: ids.two, instances: [{tags: {fleet: 'app'}}, {tags: {fleet: 'app'}}]})
  const gone = await seedAccount(moto, {accountId: ids.gone, instances: [{tags: {fleet: 'app'}}]})
  const ec2 = await accountEc2(moto, ids.gone)
  await ec2.send(new TerminateInstancesCommand({InstanceIds: gone.instanceIds}))
  ec2.destroy()
})

afterAll(async () => {
  await moto?.stop()
})

/** The provider as a command gets it, against moto, with the hub from the environment and no keychain. */
async function providerFor(yaml: string) {
  const profile = profileFromText(yaml, {name: `svc-${Math.random().toString(36).slice(2, 8)}`, file: '/tmp/svc.yaml', env: {}})
  const env = {AWS_ACCESS_KEY_ID: HUB_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: HUB_CREDENTIALS.secretAccessKey, AWS_ENDPOINT_URL: moto.endpoint}
  const saved = process.env.AWS_ENDPOINT_URL
  process.env.AWS_ENDPOINT_URL = moto.endpoint
  const provider = await AwsProvider.create(profile, {askMfaCode: async () => '', env, secrets: null})
  return {profile, provider, restore: () => (saved === undefined ? delete process.env.AWS_ENDPOINT_URL : (process.env.AWS_ENDPOINT_URL = saved))}
}

describe('readInstances (the one instance lookup)', () => {
  it('finds one instance per account, and words none, several and gone the same way everywhere', async () => {
    const account = (id: string) => `{accountId: "${id}", roleArn: "${roleArn(id)}", instance: {tag: {fleet: app}}}`
    const {profile, provider, restore} = await providerFor(`region: ap-northeast-2
hub: {source: env}
accounts:
  one: ${account(ids.one)}
  none: ${account(ids.none)}
  two: ${account(ids.two)}
  gone: ${account(ids.gone)}
`)
    try {
      const read = await readInstances(profile, {provider, concurrency: 4})
      expect(read.get('one')).toMatchObject({instance: {state: 'stopped', type: 't2.small', publicIp: null}, error: null})
      const label = (name: string, id: string) => `account ${name} (${id}, ap-northeast-2)`
      expect(read.get('none')!.error).toMatchObject({code: 'InstanceNotFound', message: `${label('none', ids.none)}: no instance matches tag fleet=app.`, exitCode: 3})
      expect(read.get('two')!.error).toMatchObject({code: 'AmbiguousInstance', message: expect.stringMatching(new RegExp(`^${label('two', ids.two).replace(/[()]/g, '\\$&')}: 2 instances match tag fleet=app`))})
      expect(read.get('gone')!.error).toMatchObject({code: 'InstanceTerminated', message: expect.stringContaining('is gone')})
    } finally {
      restore()
    }
  })
})

describe('syncOnHost (the upstream step on the LB host)', () => {
  let sshd: Sshd
  let backends: Backends
  let nginx: Nginx
  const ips = ['127.0.0.31', '127.0.0.32']

  beforeAll(async () => {
    sshd = await startSshd()
    backends = await startBackends(ips)
    nginx = await startNginx({
      configText: `user root;
pid @PREFIX@/logs/nginx.pid;
error_log @PREFIX@/logs/error.log;
events { worker_connections 512; }
http {
    access_log off;
    include @PREFIX@/conf.d/*.conf;
    server {
        listen 127.0.0.1:@PORT@;
        location / { proxy_pass http://app; }
    }
}
`,
      files: {'conf.d/fleet-upstream.conf': `upstream app { server ${ips[0]}:${backends.servers[0]!.port}; }\n`},
    })
  })

  afterAll(async () => {
    await nginx?.stop()
    await backends?.stop()
    await sshd?.dispose()
  })

  it('writes, tests, reloads and confirms, then changes nothing on a second call', async () => {
    const dir = tempDir('fleet-svc-')
    const target = {account: 'lb', instanceId: 'i-0123456789abcdef0', host: sshd.host, port: sshd.port, user: sshd.user, keyFile: sshd.clientKeyFile}
    const options = {knownHosts: new KnownHosts(join(dir, 'known_hosts'))}
    const shell = await connect(target, options)
    const host = {shell, reopen: () => connect(target, options)}
    const upstreamFile = join(nginx.prefix, 'conf.d', 'fleet-upstream.conf')
    const nginxConfig = {
      on: 'lb', config: nginx.confPath, upstreamFile, upstream: 'app', address: 'private' as const, logs: 'true', ...nginx.commands,
    }
    const servers = ips.map((ip) => `${ip}:${backends.servers[0]!.port}`)
    const state = new JsonStore(join(dir, 'state'))
    try {
      const first = await syncOnHost(host, state, {nginx: nginxConfig, settings: {keepalive: 8}, servers, dryRun: false})
      expect(first).toMatchObject({changed: true, reloaded: true, rolledBack: false, error: null, servers})
      expect(await readFile(upstreamFile, 'utf8')).toContain('keepalive 8;')
      expect(await nginx.dump()).toContain(`server ${servers[1]};`)
      const second = await syncOnHost(host, state, {nginx: nginxConfig, settings: {keepalive: 8}, servers, dryRun: false})
      expect(second).toMatchObject({changed: false, reloaded: false, diff: '', error: null})
    } finally {
      await host.shell.dispose()
    }
  })
})
