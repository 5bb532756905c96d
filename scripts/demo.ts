/**
 * The demo: the story's fleet (profiles/example.yaml) on a local AWS
 * emulator. Starts moto on 127.0.0.1, seeds the four accounts through
 * AssumeRole as fleet will see them, then runs the built `fleet` as a user
 * would. Nothing leaves this machine: fleet only talks to moto here.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {fleetEnv, seedAccount, startMoto} from '../test/harness/moto.ts'
import {seedDb} from '../test/harness/rds.ts'

const root = new URL('..', import.meta.url).pathname
const moto = await startMoto()
try {
  console.log(`demo: moto (the AWS emulator) on ${moto.endpoint}; seeding the story's four accounts…`)
  await seedAccount(moto, {accountId: '111111111111', instances: [{tags: {fleet: 'lb'}, type: 't2.micro', state: 'stopped'}], elasticIps: {idle: 1}})
  await seedAccount(moto, {accountId: '222222222222', instances: [{tags: {fleet: 'app-1'}}]})
  await seedAccount(moto, {accountId: '333333333333', instances: [{tags: {fleet: 'app-2'}}]})
  await seedAccount(moto, {accountId: '444444444444', instances: [{tags: {fleet: 'app-3'}, state: 'stopped'}]})
  await seedDb(moto, {accountId: '111111111111', identifier: 'parking-db', withInternetGateway: true})

  // The example profile as it is, but with the hub from the environment (moto takes any key).
  const dir = mkdtempSync(join(tmpdir(), 'fleet-demo-'))
  const profile = join(dir, 'honors.yaml')
  writeFileSync(profile, readFileSync(join(root, 'profiles', 'example.yaml'), 'utf8').replace(/^(\s*)source: keychain.*$/m, '$1source: env'))
  const env = fleetEnv(moto)

  const fleet = (...args: string[]) => {
    console.log(`\n$ fleet ${args.join(' ')}`)
    const run = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), ...args, '--profile', profile], {env, stdio: 'inherit'})
    console.log(`(exit ${run.status})`)
  }
  fleet('status')
  fleet('arch', 'list')
  fleet('arch', 'show', '6')
  fleet('doctor', '--no-ssh') // moto's IPs are not hosts: fleet never connects to them
  fleet('iam', 'policy', '--hub-principal', 'arn:aws:iam::999999999999:user/me', '--json')
} finally {
  await moto.stop()
}
