/**
 * Probe for test/harness-hosts.test.ts: starts one rig sshd (masked, or
 * reading the shell start-up files with `read` as argv[2]), runs `true` over
 * node-ssh as fleet does, and prints `{"ok": true}`. The test runs it in a
 * mount namespace where the start-up files are replaced by a marker script.
 */
import {NodeSSH} from 'node-ssh'

import {startSshd} from '../sshd.ts'

const sshd = await startSshd({addresses: ['127.0.0.7'], readShellStartup: process.argv[2] === 'read'})
const ssh = new NodeSSH()
try {
  await ssh.connect({host: sshd.host, port: sshd.port, username: sshd.user, privateKeyPath: sshd.clientKeyFile})
  const run = await ssh.execCommand('true')
  console.log(JSON.stringify({ok: run.code === 0}))
} finally {
  ssh.dispose()
  await sshd.dispose()
}
