import type {AwsProvider} from '../aws/provider.js'
import {type ErrorInfo, ExitCode, toErrorInfo} from '../errors.js'
import type {PlanStep} from '../plan/plan.js'
import type {Profile} from '../profile/load.js'
import type {Cancel} from '../util/cancel.js'
import {fanOut} from '../util/fan-out.js'
import {waitDelays} from '../util/waits.js'
import type {PreparedUp} from './prepare.js'
import {type Phase, runSteps} from './run-steps.js'

/** One account's outcome (spec section 5, `results`). */
export interface AccountResult {
  account: string
  ok: boolean
  error: ErrorInfo | null
  /** The steps that completed. */
  done: PlanStep[]
}

export interface AccountsOptions {
  concurrency: number
  waitTimeoutMs: number
  cancel: Cancel
  onPhase(account: string, phase: Phase, detail?: string): void
}

/**
 * Step 2 of `up`: every account's planned steps at once (bounded by
 * --concurrency), each reporting its phase. One promise per account, so the
 * upstream sync can start once the accounts it needs are done.
 */
export function startAccounts(profile: Profile, provider: AwsProvider, prepared: PreparedUp, options: AccountsOptions): Map<string, Promise<AccountResult>> {
  const deadline = Date.now() + options.waitTimeoutMs
  const delays = waitDelays()
  const changes = prepared.up.plan
  const outcomes = fanOut(changes, options.concurrency, async (change): Promise<AccountResult> => {
    const read = prepared.instances.get(change.account)!
    if (change.steps.length === 0) {
      options.onPhase(change.account, read.error ? 'failed' : 'unchanged', read.error?.message.split('\n')[0] ?? change.note)
      return {account: change.account, ok: read.error === null, error: read.error, done: []}
    }
    const port = await (await provider.forAccount(profile.account(change.account))).instances()
    try {
      const out = await runSteps(change, {instanceId: read.instance!.id, port, delays, deadline, cancel: options.cancel, onPhase: (p, d) => options.onPhase(change.account, p, d)})
      options.onPhase(change.account, 'done', change.to.type && change.to.type !== change.from.type ? change.to.type : undefined)
      return {account: change.account, ok: true, error: null, done: out.done}
    } catch (error) {
      const info = toErrorInfo(error)
      options.onPhase(change.account, info.exitCode === ExitCode.interrupted ? 'interrupted' : 'failed', info.message.split('\n')[0])
      return {account: change.account, ok: false, error: info, done: []}
    }
  })
  return new Map(
    changes.map((c, i) => [c.account, outcomes.then((all) => {
      const o = all[i]!
      return o.ok ? o.value : {account: c.account, ok: false, error: o.error, done: []}
    })]),
  )
}
