/**
 * Run by test/harness-hosts.test.ts in a vitest run of its own, which it
 * kills mid-file: starts the story rig, opens an SSH session that runs a long
 * remote command on an app host, writes this worker's pid to
 * $FLEET_PROBE_READY and waits to be killed.
 */
import {writeFile} from 'node:fs/promises'

import {NodeSSH} from 'node-ssh'
import {it} from 'vitest'

import {startStoryRig} from '../story-rig.ts'

it('holds the story rig and a remote command until it is killed', async () => {
  const rig = await startStoryRig({base: Number(process.env.FLEET_PROBE_BASE ?? 140)})
  const host = rig.apps.hosts[0]!
  const ssh = new NodeSSH()
  await ssh.connect({host: host.ssh.host, port: host.ssh.port, username: host.ssh.user, privateKeyPath: host.ssh.key})
  // sshd forks a session for it, which calls setsid: no process group of the worker holds it.
  void ssh.execCommand('sleep 600')
  await writeFile(process.env.FLEET_PROBE_READY!, String(process.pid))
  await new Promise(() => {})
})
