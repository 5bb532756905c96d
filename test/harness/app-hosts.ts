/**
 * App servers as real SSH hosts for `rds-public` (and `up`/`down`) tests:
 * one sshd each, on its own loopback address, in a mount namespace where
 * its own folder appears at one shared path (`appDir`), so every "host"
 * has its `.env` at the profile's one `rds.envFile`, as on real servers.
 * The folder also holds `restart.sh` (the profile's `apps.restart`), which
 * appends `<epoch ms> <the active DB_URL line>` to `restarts.log`, and
 * fails (after logging `FAILED`) while `fail-restart` holds a count above 0.
 */
import {chmod, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {type Sshd, startSshd} from './sshd.ts'
import {tempDir} from './temp-dirs.ts'

export interface AppHost {
  address: string
  sshd: Sshd
  /** The host's own folder, as this machine sees it (appDir on the host). */
  dir: string
  /** `accounts.<name>.ssh` for the profile. */
  ssh: {host: string; port: number; user: string; key: string}
  /** The `.env`'s bytes now, or null. */
  env(): Promise<Buffer | null>
  setEnv(content: string | Buffer, mode?: number): Promise<void>
  removeEnv(): Promise<void>
  /** Lines of restarts.log: `{at, line, failed}`. */
  restarts(): Promise<Array<{at: number; line: string; failed: boolean}>>
  /** The next `times` restarts fail. */
  failRestarts(times: number): Promise<void>
  /** Forgets restarts.log, the backup and any pending marker. */
  reset(): Promise<void>
}

export interface AppHosts {
  /** The path every host sees its folder at: `rds.envFile` is `${appDir}/.env`. */
  appDir: string
  envFile: string
  /** `apps.restart` */
  restart: string
  hosts: AppHost[]
  stop(): Promise<void>
}

const RESTART = `#!/bin/sh
d=$(dirname "$0")
line=$(grep -E '^[[:space:]]*(export[[:space:]]+)?DB_URL=' "$d/.env" | head -n 1 | tr -d '\\r')
n=$(cat "$d/fail-restart" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then
  echo $((n - 1)) > "$d/fail-restart"
  echo "$(date +%s%3N) FAILED $line" >> "$d/restarts.log"
  echo "parking-app: container exited with code 1" >&2
  exit 1
fi
echo "$(date +%s%3N) $line" >> "$d/restarts.log"
`

/** Starts one sshd per address, each seeing its own folder at the shared `appDir`. */
export async function startAppHosts(addresses: string[]): Promise<AppHosts> {
  const appDir = tempDir('fleet-app-')
  const hosts: AppHost[] = []
  try {
    for (const address of addresses) hosts.push(await startHost(address, appDir))
  } catch (error) {
    await Promise.all(hosts.map((h) => h.sshd.dispose()))
    throw error
  }
  return {
    appDir,
    envFile: join(appDir, '.env'),
    restart: `sh ${join(appDir, 'restart.sh')}`,
    hosts,
    stop: async () => void (await Promise.all(hosts.map((h) => h.sshd.dispose()))),
  }
}

async function startHost(address: string, appDir: string): Promise<AppHost> {
  const dir = tempDir('fleet-apphost-')
  await writeFile(join(dir, 'restart.sh'), RESTART, {mode: 0o755})
  const sshd = await startSshd({addresses: [address], binds: [{source: dir, target: appDir}]})
  const file = (name: string) => join(dir, name)
  return {
    address,
    sshd,
    dir,
    ssh: {host: address, port: sshd.port, user: sshd.user, key: sshd.clientKeyFile},
    env: () => readFile(file('.env')).catch(() => null),
    async setEnv(content, mode = 0o644) {
      await rm(file('.env'), {force: true})
      await writeFile(file('.env'), content)
      await chmod(file('.env'), mode)
    },
    removeEnv: () => rm(file('.env'), {force: true}),
    async restarts() {
      const text = await readFile(file('restarts.log'), 'utf8').catch(() => '')
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [at, ...rest] = l.split(' ')
          const failed = rest[0] === 'FAILED'
          return {at: Number(at), line: (failed ? rest.slice(1) : rest).join(' '), failed}
        })
    },
    failRestarts: (times) => writeFile(file('fail-restart'), `${times}\n`),
    async reset() {
      for (const name of ['restarts.log', 'fail-restart', '.env.fleet-backup', '.env.fleet-pending']) await rm(file(name), {force: true})
    },
  }
}

/** mtime in ms of a host file (a .env written by fleet). */
export async function mtimeOf(host: AppHost, name = '.env'): Promise<number> {
  return (await stat(join(host.dir, name))).mtimeMs
}
