// The pure nginx core of fleet: strings in, strings out. No SSH, no AWS, no
// filesystem: the upstream-sync service reads the files over SSH, calls these,
// and writes the results back (see spec section 4, "nginx edits").

export {applyNginxSettings, type NginxEditResult, type NginxTarget} from './apply.js'
export {NginxSyntaxError, type Token, tokenize} from './lexer.js'
export {type Block, type Directive, type ParsedConfig, contextLabel, parseConfig} from './parser.js'
export {type NginxFilesInput, type NginxFilesPlan, compareServers, planNginxFiles} from './sync-plan.js'
export {FLEET_JOIN_MARK, FLEET_MARK} from './text.js'
export type {NginxChange, NginxChangeAction, NginxFoundBefore, NginxSettings} from './types.js'
export {
  DEFAULT_KEEPALIVE_TIMEOUT,
  type UpstreamInfo,
  type UpstreamOptions,
  dumpHasUpstream,
  parseUpstream,
  parseUpstreamServers,
  renderUpstreamFile,
  upstreamsInDump,
  validateServer,
} from './upstream-file.js'
export type {MovedUpstream} from './upstream-move.js'
