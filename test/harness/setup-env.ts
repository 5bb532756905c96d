/**
 * vitest setupFile, run in every worker before its tests: puts the worker
 * and everything it starts in a cgroup that is emptied when the worker ends,
 * however it ends (process-tree.ts); points keytar
 * (and every child process a test spawns) at the run's test keyring, and
 * drops proxy variables so that requests to 127.0.0.1 go straight there;
 * removes the test file's harness temp folders (tempDir, fleetEnv) after it.
 */
import {afterAll, inject} from 'vitest'

import {containProcessTree} from './process-tree.ts'
import {removeTempDirs} from './temp-dirs.ts'

containProcessTree()

process.env.DBUS_SESSION_BUS_ADDRESS = inject('dbusSessionBusAddress')
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) {
  delete process.env[name]
}

afterAll(removeTempDirs)
