/**
 * Probe for test/harness-hosts.test.ts: contains its process tree
 * (process-tree.ts) as every test worker does, starts the story rig, opens
 * an SSH session that runs a long remote command on an app host, prints
 * `{"cgroup"}` and waits to be killed.
 */
import {NodeSSH} from 'node-ssh'

import {containProcessTree} from '../process-tree.ts'
import {startStoryRig} from '../story-rig.ts'

const tree = containProcessTree()
if (!tree) throw new Error('no writable cgroup file system: the harness cannot contain its processes')
const rig = await startStoryRig({base: Number(process.argv[2] ?? 120)})
const host = rig.apps.hosts[0]!
const ssh = new NodeSSH()
await ssh.connect({host: host.ssh.host, port: host.ssh.port, username: host.ssh.user, privateKeyPath: host.ssh.key})
// A remote command that hangs: sshd forks a session for it, outside sshd's process group.
void ssh.execCommand('sleep 600')
console.log(JSON.stringify({cgroup: tree.dir}))
setInterval(() => {}, 60_000)
