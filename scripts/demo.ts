/**
 * The README's first command: the story's load test, played on this
 * machine with no AWS account. A guided tour of `fleet` on the story rig
 * (test/harness/story-rig.ts): moto stands in for four AWS accounts, real
 * sshd hosts for the EC2 instances, a real nginx for the load balancer and
 * three small HTTP servers for the Spring Boot app servers. Nothing leaves
 * this machine; everything it starts is stopped at the end, or at Ctrl-C.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import autocannon from 'autocannon'

import {startKeyring} from '../test/harness/keyring.ts'
import {removeTempDirs} from '../test/harness/temp-dirs.ts'
import {type StoryRig, startStoryRig} from '../test/harness/story-rig.ts'

const root = new URL('..', import.meta.url).pathname
const bold = (text: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\u001B[1m${text}\u001B[22m` : text)
const say = (...lines: string[]) => console.log(`\n${lines.map((l) => `│ ${l}`).join('\n')}`)

let rig: StoryRig | undefined
let keyring: Awaited<ReturnType<typeof startKeyring>> | undefined
let stopping = false
const cleanup = async () => {
  if (stopping) return
  stopping = true
  await rig?.stop()
  await keyring?.stop()
  removeTempDirs()
}
process.on('SIGINT', () => {
  console.log('\ndemo: interrupted; stopping everything it started…')
  void cleanup().finally(() => process.exit(130))
})

try {
  console.log(bold('fleet demo: the honorsParking load test, on this machine'))
  say(
    'A developer load-tests a parking-reservation service on AWS free tier alone:',
    'nginx on one account, Spring Boot app servers on three others, MySQL on RDS.',
    'Before every test: start each EC2, resize the nginx host, put the app servers\' new',
    'IPs into nginx\'s upstream, open the database; after it, undo it all to stop paying.',
    'fleet does each of those in one command. Here AWS is an emulator (moto), the EC2',
    'hosts are sshd on 127.0.0.x, the app servers small HTTP servers: nothing leaves this machine.',
  )
  keyring = await startKeyring()
  rig = await startStoryRig({base: 180, transitionMs: 1500, name: 'honors'})
  const env = {...rig.env, DBUS_SESSION_BUS_ADDRESS: keyring.busAddress}
  mkdirSync(dirname(rig.profile), {recursive: true})
  writeFileSync(rig.profile, rig.profileText)
  // Asynchronously: the emulator's proxy runs in this process and must go on answering.
  const fleet = async (...args: string[]) => {
    console.log(`\n${bold(`$ fleet ${args.join(' ')}`)}`)
    const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args, '--profile', 'honors'], {env, stdio: 'inherit'})
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    if (code !== 0) console.log(`(exit ${code})`)
  }

  say('Four accounts, one instance each, all stopped: nothing costs money yet.')
  await fleet('status')

  say('Architecture 2 of the story: nginx alone on a t2.micro, one app server, RDS public.', '`up` prints the plan, then converges every account at once and points nginx at app-1.')
  await fleet('up', '--arch', '2', '--yes')
  await burst(rig, 'architecture 2')

  say(
    'Architecture 6: nginx resized to a t2.medium (it has to stop, change type, start: the plan',
    'says so, and what it costs per hour), three app servers, and upstream keep-alive with',
    'worker_connections 2048. The upstream follows the app servers\' current IPs.',
  )
  await fleet('up', '--arch', '6', '--yes', '--allow-paid')
  await burst(rig, 'architecture 6')

  say('The test is over. RDS public access bills a public IPv4 by the hour, even idle:', 'every app server goes back to the private DB_URL first, then the flag goes off.')
  await fleet('rds-public', 'off')

  say('What each account spends this month, by usage type. (Cost Explorer answers here are', 'SAMPLE DATA queued in the emulator; real runs cost $0.01 per request, so fleet caches them.)')
  await fleet('cost')

  say('And everything stops again: `down` ends with whatever still costs money.')
  await fleet('down', '--yes')

  say(
    'To run the same commands on your accounts:',
    '  1. fleet init honors                 a commented starter profile (~/.config/fleet/profiles/)',
    '  2. fleet iam policy -p honors        the FleetOperator role to create in each account',
    '  3. fleet login -p honors             the hub\'s access key, into the OS keychain',
    '  4. fleet doctor -p honors            is every account ready?',
    '  5. fleet up --arch 6 -p honors --ttl 3h',
    'profiles/example.yaml is the story\'s fleet, every key commented; the README has the rest.',
  )
} catch (error) {
  process.exitCode = 1
  console.error(`demo failed: ${(error as Error).stack ?? error}`)
} finally {
  await cleanup()
}

/** Three seconds of load through nginx: requests per second in all, and how they spread over the app servers. */
async function burst(rig: StoryRig, label: string): Promise<void> {
  rig.backends.clear()
  const result = await autocannon({url: `${rig.nginx.url}/parking/reservations`, connections: 16, duration: 3})
  const seconds = 3
  console.log(`\n${bold(`load burst through nginx, ${label}`)}: ${Math.round(result.requests.average)} requests/s, ${result.non2xx + result.errors} errors`)
  for (const [i, server] of rig.backends.servers.entries()) {
    const n = server.requests.length
    console.log(`  app-${i + 1} (${server.server})  ${String(n).padStart(6)} requests  ${String(Math.round(n / seconds)).padStart(5)}/s  ${'█'.repeat(Math.round((40 * n) / Math.max(1, result.requests.total)))}`)
  }
}
