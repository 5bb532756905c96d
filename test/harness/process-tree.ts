/**
 * Everything a test process starts ends with it, however it ends.
 *
 * `containProcessTree()` moves the calling process into a cgroup of its own
 * (the `pids` hierarchy, or cgroup v2): every process it starts from then on
 * — moto, sshd and the sessions it forks (which call setsid, so no process
 * group holds them), nginx's master and workers, backends, CLI runs — is in
 * that cgroup too, even after it is re-parented to init. Two things empty it:
 * an 'exit' listener (the process ends on its own or by a signal it handles),
 * and a watchdog started outside the cgroup that waits for the process to be
 * gone (SIGKILL, a test runner killing a worker that timed out) and then
 * kills whatever is left. Without a writable cgroup file system (not root, no
 * cgroups) it returns undefined and only `track()` in process.ts remains.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface ProcessTree {
  /** The cgroup's folder. */
  dir: string
  /** Every process in the cgroup now, this one included. */
  pids(): number[]
  /** SIGKILLs every process in the cgroup but this one (synchronous: usable in an 'exit' listener). */
  killOthers(): void
}

/** Waits until the owner has left the cgroup (it exited), then kills what is left and removes the cgroup. */
const WATCHDOG = `owner=$1 dir=$2
tail --pid="$owner" -f /dev/null 2>/dev/null
i=0
while [ $i -lt 100 ]; do
  pids=$(cat "$dir/cgroup.procs" 2>/dev/null)
  [ -z "$pids" ] && break
  kill -9 $pids 2>/dev/null
  sleep 0.1
  i=$((i + 1))
done
rmdir "$dir" 2>/dev/null
`

let contained: ProcessTree | undefined | null = null

/** Puts this process and everything it starts later in a cgroup that is emptied when it ends; idempotent. */
export function containProcessTree(): ProcessTree | undefined {
  if (contained !== null) return contained
  contained = undefined
  const root = cgroupRoot()
  if (!root) return undefined
  const dir = join(root, 'fleet-harness', String(process.pid))
  try {
    mkdirSync(dir, {recursive: true})
    // The watchdog goes to the hierarchy's root before it starts anything: in
    // no cgroup that another process's clean-up empties (a test worker starts
    // in the cgroup of the runner that forked it).
    const watchdog = spawn('sh', ['-c', WATCHDOG, 'fleet-watchdog', String(process.pid), dir], {detached: true, stdio: 'ignore'})
    watchdog.unref()
    writeFileSync(join(root, 'cgroup.procs'), String(watchdog.pid))
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid))
  } catch {
    return undefined
  }
  const tree: ProcessTree = {dir, pids: () => pidsIn(dir), killOthers: () => killOthers(dir)}
  process.once('exit', tree.killOthers)
  contained = tree
  return tree
}

/** The cgroup of this process's tree, when containProcessTree() made one. */
export function processTree(): ProcessTree | undefined {
  return contained ?? undefined
}

/** Every pid in the cgroup folder `dir` (empty once it is gone). */
export function pidsIn(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function killOthers(dir: string): void {
  for (const pid of pidsIn(dir)) {
    if (pid === process.pid) continue
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Where a new cgroup can be made: the v1 `pids` hierarchy, else the v2 root; undefined when neither is mounted. */
function cgroupRoot(): string | undefined {
  let mounts: string
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8')
  } catch {
    return undefined
  }
  const rows = mounts.split('\n').map((line) => line.split(' '))
  const v1 = rows.find(([, , type, options]) => type === 'cgroup' && options?.split(',').includes('pids'))
  const v2 = rows.find(([, , type]) => type === 'cgroup2')
  return v1?.[1] ?? v2?.[1]
}
