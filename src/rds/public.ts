import type {Profile} from '../profile/load.js'
import type {Cancel} from '../util/cancel.js'
import {rdsPublicStatus} from './status.js'
import {type RdsPublicDeps, switchRdsPublic} from './switch.js'
import type {RdsAction, RdsPublicResult} from './types.js'

export interface RdsPublicOptions {
  action: RdsAction
  archId?: string
  force?: boolean
  dryRun: boolean
  concurrency: number
  waitTimeoutMs?: number
  acceptNewHostKey?: boolean
  cancel?: Cancel
  onStep?: (label: string) => void
}

/** `fleet rds-public on|off|status` (spec sections 4 and 5). */
export async function rdsPublic(profile: Profile, deps: RdsPublicDeps, options: RdsPublicOptions): Promise<RdsPublicResult> {
  const {action, ...rest} = options
  if (action === 'status') return rdsPublicStatus(profile, deps, rest)
  return switchRdsPublic(profile, deps, {...rest, want: action})
}
