/**
 * fleet's SSH door: everything that runs on an instance goes through here.
 * Commands never import node-ssh; services take a RemoteShell.
 */
export {connect, withRemote} from './connect.js'
export {KnownHosts, PinConflict, fingerprintOf, forgetHostKey, hostKeyFromBlob, type HostKey} from './known-hosts.js'
export {describeTarget} from './remote-errors.js'
export {shellJoin, shellQuote} from './shell-quote.js'
export type {
  ConnectOptions,
  ExecOptions,
  ExecResult,
  FileStat,
  RemoteShell,
  RemoteStream,
  RemoteTarget,
  StreamEnd,
  StreamOptions,
} from './types.js'
