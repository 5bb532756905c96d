/**
 * The real nginx binary as the "LB host": started in a temp prefix with the
 * given main config and extra files, listening on 127.0.0.1 at free ports.
 *
 * Ports and paths are not known when a test writes its config, so the text
 * of the config and of every file may hold placeholders, replaced before
 * writing: `@PREFIX@` (the prefix folder, no trailing slash), `@PORT@` (the
 * port requests go to: `url`), and `@PORT_<NAME>@` (one more free port per
 * name, e.g. `@PORT_HTTP@`, in `ports.HTTP`).
 *
 * nginx runs in the foreground (`daemon off`) as this process's child. Its pid
 * file is the config's `pid` directive when it has one, else `-g 'pid
 * <prefix>/logs/nginx.pid;'` on every command line. The package's compiled-in
 * temp folders (/var/lib/nginx on Debian) stay in use: they exist when nginx
 * is installed and the tests run as root (they do on CI). As root, a config
 * without `user` gets `-g 'user root;'` too; one with `user nginx;` (the
 * story's) needs that user to exist: write `user root;` instead.
 *
 * `commands` are the same nginx invocations as shell strings, for a profile's
 * `nginx.test`/`reload`/`dump`: the test sshd runs on this machine as the
 * same user, so those exact commands work over SSH.
 */
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {connect, createServer} from 'node:net'
import {availableParallelism, tmpdir} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'

import {stopChild, tail, track} from './process.ts'
import {nonePending, procStatus, until} from './waits.ts'

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx'
const READY_MS = 10_000
const RELOAD_MS = 15_000

export interface StartNginxOptions {
  /** The main nginx.conf, with placeholders (see the module comment). */
  configText: string
  /** More files by path relative to the prefix (e.g. `conf.d/fleet-upstream.conf`), with the same placeholders. */
  files?: Record<string, string>
  /** The prefix folder (created if missing, kept at stop); default a new temp folder, removed at stop. */
  prefixDir?: string
  /** The main config's file name in the prefix (default `nginx.conf`). */
  confName?: string
}

export interface NginxCommands {
  test: string
  reload: string
  dump: string
}

export interface Nginx {
  prefix: string
  confPath: string
  pidFile: string
  /** The `@PORT@` port, on 127.0.0.1. */
  port: number
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Every `@PORT_<NAME>@` port by name. */
  ports: Record<string, number>
  /** The nginx invocations as shell strings, for a profile's `nginx.test`/`reload`/`dump`. */
  commands: NginxCommands
  /** `text` with the placeholders replaced by this nginx's prefix and ports. */
  fill(text: string): string
  /** Writes `text` (placeholders replaced) to `path`, relative to the prefix (e.g. `nginx.conf`); does not reload. */
  write(path: string, text: string): Promise<void>
  /** `nginx -t` on the files as they are now. */
  test(): Promise<{ok: boolean; output: string}>
  /** `nginx -s reload`, then waits until every old worker is gone and new ones serve; rejects when no new workers come. */
  reload(): Promise<void>
  /** `nginx -T`: the running config as nginx reads it from disk now. */
  dump(): Promise<string>
  /** The pids of the master's worker processes now. */
  workers(): Promise<number[]>
  /** What the master printed (its error log when the config sets none), for failing tests. */
  log(): string
  stop(): Promise<void>
}

/** Starts nginx on the config and files given; resolves once it accepts connections on `port`. */
export async function startNginx(options: StartNginxOptions): Promise<Nginx> {
  const ownPrefix = options.prefixDir === undefined
  const prefix = resolve(options.prefixDir ?? (await mkdtemp(join(tmpdir(), 'fleet-nginx-'))))
  await mkdir(join(prefix, 'logs'), {recursive: true})
  const texts = [options.configText, ...Object.values(options.files ?? {})]
  const ports = await allocatePorts(texts)
  const fill = (text: string) => fillPlaceholders(text, prefix, ports)

  const write = async (path: string, text: string) => {
    const file = resolve(prefix, path)
    await mkdir(dirname(file), {recursive: true})
    await writeFile(file, fill(text))
  }
  const confPath = join(prefix, options.confName ?? 'nginx.conf')
  const config = fill(options.configText)
  await write(confPath, config)
  for (const [path, text] of Object.entries(options.files ?? {})) await write(path, text)

  const configPid = /^[ \t]*pid[ \t]+([^;\s]+)[ \t]*;/m.exec(config)?.[1]
  const pidFile = configPid ? (isAbsolute(configPid) ? configPid : join(prefix, configPid)) : join(prefix, 'logs', 'nginx.pid')
  // nginx keeps only the last -g: these and `daemon off` share one.
  const globals = [configPid ? '' : `pid ${pidFile};`, needsRootUser(config) ? 'user root;' : ''].filter(Boolean).join(' ')
  const base = ['-p', `${prefix}/`, '-c', confPath, ...(globals ? ['-g', globals] : [])]
  const port = ports.PORT!
  const start = ['-p', `${prefix}/`, '-c', confPath, '-g', `${globals} daemon off;`.trim()]
  const child = track(spawn(NGINX_BIN, start, {stdio: ['ignore', 'pipe', 'pipe']}))
  const log = tail(child, 20_000)
  await waitForPort(port, child, log)

  const command = (...extra: string[]) => [NGINX_BIN, ...base, ...extra].map(shellQuote).join(' ')
  const workers = () => childrenOf(child.pid!)
  return {
    prefix,
    confPath,
    pidFile,
    port,
    url: `http://127.0.0.1:${port}`,
    ports: Object.fromEntries(Object.entries(ports).filter(([name]) => name !== 'PORT').map(([name, p]) => [name.slice(5), p])),
    commands: {test: command('-t'), reload: command('-s', 'reload'), dump: command('-T')},
    fill,
    write,
    test: async () => {
      const run = await runNginx([...base, '-t'])
      return {ok: run.code === 0, output: run.output}
    },
    reload: () => reload(base, child, workers, log),
    dump: async () => {
      const run = await runNginx([...base, '-T'])
      if (run.code !== 0) throw new Error(`nginx -T failed (exit ${run.code}):\n${run.output}`)
      return run.stdout
    },
    workers,
    log,
    stop: async () => {
      await stopChild(child)
      if (ownPrefix) await rm(prefix, {recursive: true, force: true})
    },
  }
}

/**
 * As root without a `user` directive, nginx runs its workers as `nobody` and
 * chowns the package's temp folders to that user: `user root;` keeps them as
 * they are.
 */
function needsRootUser(config: string): boolean {
  return process.getuid?.() === 0 && !/^[ \t]*user[ \t]/m.test(config)
}

async function reload(base: string[], master: ChildProcess, workers: () => Promise<number[]>, log: () => string): Promise<void> {
  const before = new Set(await workers())
  const run = await runNginx([...base, '-s', 'reload'])
  if (run.code !== 0) throw new Error(`nginx -s reload failed (exit ${run.code}):\n${run.output}`)
  // The master starts new workers, then asks the old ones to finish: once
  // none of them is left, every new connection meets the new config.
  const deadline = Date.now() + RELOAD_MS
  while (Date.now() < deadline) {
    if (master.exitCode !== null || master.signalCode !== null) throw new Error(`nginx exited during the reload:\n${log()}`)
    const now = await workers()
    if (now.length > 0 && now.every((pid) => !before.has(pid))) return
    await sleep(25)
  }
  throw new Error(`nginx did not switch to new workers within ${RELOAD_MS} ms (a config the master refused?):\n${log()}`)
}

/** Free ports for `@PORT@` (always) and each `@PORT_<NAME>@` in the texts, keyed `PORT`, `PORT_<NAME>`. */
async function allocatePorts(texts: string[]): Promise<Record<string, number>> {
  const names = new Set(['PORT'])
  for (const text of texts) for (const m of text.matchAll(/@(PORT(?:_[A-Z0-9_]+)?)@/g)) names.add(m[1]!)
  const ports: Record<string, number> = {}
  for (const name of names) ports[name] = await freePort(Object.values(ports))
  return ports
}

function fillPlaceholders(text: string, prefix: string, ports: Record<string, number>): string {
  return text.replaceAll('@PREFIX@', prefix).replace(/@(PORT(?:_[A-Z0-9_]+)?)@/g, (_, name: string) => String(ports[name]))
}

/** A port free on 127.0.0.1 now, different from `taken` (nginx binds it a moment later). */
async function freePort(taken: number[]): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer()
      server.once('error', fail)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => done(typeof address === 'object' && address ? address.port : 0))
      })
    })
    if (!taken.includes(port)) return port
  }
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}) before it listened:\n${log()}`)
    if (await canConnect(port)) return
    await sleep(25)
  }
  await stopChild(child)
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${READY_MS} ms:\n${log()}`)
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      done(true)
    })
    socket.once('error', () => done(false))
  })
}

/** The pids whose parent is `pid` (nginx's workers and cache processes), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) pids.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return pids
}

function runNginx(args: string[]): Promise<{code: number; stdout: string; output: string}> {
  return new Promise((done) => {
    execFile(NGINX_BIN, args, {maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      done({code, stdout, output: `${stderr}${stdout}`.trim()})
    })
  })
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}

/**
 * The story's config, in miniature, for the LB host of a test: one worker,
 * 1024 connections, the upstream inline, headers set at server level.
 * `extraHttp` goes first in the http block (e.g. an `include conf.d/*.conf;`).
 * The server listens on `@PORT@` of 127.0.0.1 (where the harness checks it
 * is up) and of each of `listen` (e.g. the LB's own private IP, where
 * `fleet loadtest` connects).
 */
export function storyNginxConfig(servers: string[], extraHttp = '', listen: string[] = []): string {
  return `user root;
worker_processes 1;
pid @PREFIX@/logs/nginx.pid;
error_log @PREFIX@/logs/error.log;

events {
    worker_connections 1024;
}

http {
    access_log off;
${extraHttp}    upstream honorsParkingBackend {
${servers.map((s) => `        server ${s};`).join('\n')}
    }

    server {
${['127.0.0.1', ...listen.filter((a) => a !== '127.0.0.1')].map((a) => `        listen ${a}:@PORT@;\n`).join('')}        # the app sees who asked
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

        location / {
            proxy_pass http://honorsParkingBackend;
        }
    }
}
`
}

/**
 * Resolves once nginx has acted on every reload it was sent since its workers
 * were `before` (`nginx -s reload` only sends the signal: until nginx acts on
 * it, old workers answer with the old upstream): none of those workers is
 * left, the master runs exactly the workers its config on disk asks for (after
 * a reload it keeps the old ones for 100 ms beside the new), none of them is
 * shutting down, and the master sleeps with no signal pending (a reload not
 * taken yet is a pending SIGHUP).
 */
export async function reloadDone(nginx: Nginx, before: number[]): Promise<void> {
  const master = Number((await readFile(nginx.pidFile, 'utf8')).trim())
  await until(async () => {
    const workers = await nginx.workers()
    if (workers.length === 0 || workers.some((pid) => before.includes(pid))) return false
    const asked = /^\s*worker_processes\s+(\w+)\s*;/m.exec(await readFile(nginx.confPath, 'utf8'))?.[1] ?? '1'
    if (workers.length !== (asked === 'auto' ? availableParallelism() : Number(asked))) return false
    const masterStatus = await procStatus(master)
    if (masterStatus === null || !/^State:\s+S/m.test(masterStatus) || !nonePending(masterStatus)) return false
    for (const pid of workers) {
      const status = await procStatus(pid)
      if (status === null || !nonePending(status)) return false
      if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('shutting down')) return false
    }
    return true
  }, 'nginx to finish its reload')
}
