import type {InstanceControlPort, InstanceWait} from '../aws/ports/instances.js'
import {ExternalError, type FleetError, InterruptedError, toErrorInfo} from '../errors.js'
import type {PlannedChange, PlanStep} from '../plan/plan.js'
import type {Cancel} from '../util/cancel.js'
import type {WaitDelays} from '../util/waits.js'

/** What the progress display shows of an account while its steps run. */
export type Phase = 'waiting' | 'stopping' | 'resizing' | 'starting' | 'status checks' | 'done' | 'failed' | 'interrupted' | 'unchanged'

export interface StepsContext {
  instanceId: string
  port: InstanceControlPort
  delays: WaitDelays
  /** When every wait of this account must be over (--wait-timeout from the start of the run). */
  deadline: number
  cancel: Cancel
  onPhase(phase: Phase, detail?: string): void
}

export interface StepsOutcome {
  /** The steps that completed, in order. */
  done: PlanStep[]
  /** Set when a resize failed after the stop and the old type was set back and started. */
  revertedTo?: string
}

const PHASE: Record<PlanStep, Phase> = {
  'wait-running': 'starting',
  'wait-status-ok': 'status checks',
  'wait-stopped': 'stopping',
  stop: 'stopping',
  'modify-type': 'resizing',
  start: 'starting',
}

const WAIT: Partial<Record<PlanStep, InstanceWait>> = {'wait-running': 'running', 'wait-status-ok': 'status-ok', 'wait-stopped': 'stopped'}

/**
 * Runs one account's planned steps in order (stop → wait stopped → modify
 * type → start → wait running → wait status ok). Ctrl-C stops it before the
 * next step (a call already sent finishes; a wait is abandoned). When the
 * type change or the start fails after the instance was stopped for a
 * resize (e.g. InsufficientInstanceCapacity), the old type is set back and
 * the instance started again, and the error says so.
 */
export async function runSteps(change: PlannedChange, ctx: StepsContext): Promise<StepsOutcome> {
  const done: PlanStep[] = []
  for (const step of change.steps) {
    if (ctx.cancel.signal.aborted) throw new InterruptedError('Interrupted', `Interrupted before ${step}; done: ${done.join(', ') || 'nothing'}.`)
    ctx.onPhase(PHASE[step], change.action === 'resize' && step === 'modify-type' ? `${change.from.type} → ${change.to.type}` : undefined)
    try {
      await runStep(step, change, ctx)
    } catch (error) {
      const resizing = change.action === 'resize' && (step === 'modify-type' || (step === 'start' && done.includes('modify-type')))
      if (resizing && !(error instanceof InterruptedError)) return revert(change, ctx, done, error as FleetError)
      throw error
    }
    done.push(step)
  }
  return {done}
}

async function runStep(step: PlanStep, change: PlannedChange, ctx: StepsContext): Promise<void> {
  const wait = WAIT[step]
  if (wait) {
    const maxWaitSeconds = (ctx.deadline - Date.now()) / 1000
    if (maxWaitSeconds <= 0) throw new ExternalError('WaitTimeout', `--wait-timeout ran out before ${ctx.instanceId} could be waited for.`)
    return ctx.port.waitFor(ctx.instanceId, wait, {delays: ctx.delays, maxWaitSeconds, signal: ctx.cancel.signal})
  }
  if (step === 'stop') return ctx.port.stop(ctx.instanceId)
  if (step === 'start') return ctx.port.start(ctx.instanceId)
  return ctx.port.modifyType(ctx.instanceId, change.to.type!)
}

/** The stopped instance goes back to its old type and is started, so the account is as it was. */
async function revert(change: PlannedChange, ctx: StepsContext, done: PlanStep[], cause: FleetError): Promise<never> {
  const oldType = change.from.type!
  const what = done.includes('modify-type') ? `could not start as ${change.to.type}` : `could not change to ${change.to.type}`
  ctx.onPhase('resizing', `back to ${oldType}`)
  try {
    if (done.includes('modify-type')) await ctx.port.modifyType(ctx.instanceId, oldType)
    if (change.to.state === 'running') {
      ctx.onPhase('starting', `as ${oldType}`)
      await ctx.port.start(ctx.instanceId)
      await ctx.port.waitFor(ctx.instanceId, 'running', {delays: ctx.delays, maxWaitSeconds: Math.max(60, (ctx.deadline - Date.now()) / 1000), signal: ctx.cancel.signal})
    }
  } catch (again) {
    throw new ExternalError('ResizeFailed', `${ctx.instanceId} ${what} (${cause.message}), and setting it back to ${oldType} failed too: ${toErrorInfo(again).message}`, {
      cause,
      nextSteps: ['Check the instance in the EC2 console; `fleet up` again converges from its state.'],
    })
  }
  const capacity = /InsufficientInstanceCapacity|capacity/i.test(cause.message)
  throw new ExternalError('ResizeFailed', `${ctx.instanceId} ${what} (${cause.message}); it was set back to ${oldType} and ${change.to.state === 'running' ? 'started' : 'left stopped'}.`, {
    cause,
    nextSteps: capacity
      ? [`AWS has no ${change.to.type} capacity in that zone right now: retry later, or pick another type for the architecture's lb.instanceType.`]
      : ['Run `fleet up` again; it converges from where this one stopped.'],
  })
}
