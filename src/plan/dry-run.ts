import type {ErrorInfo} from '../errors.js'
import type {FleetInstances} from '../fleet/read-instances.js'
import type {PlannedChange, PlanStep} from './plan.js'
import type {UpstreamPlan} from './up-upstream.js'

/** One account of a dry run's `results`: nothing was done; an account that could not be read says why. */
export interface DryRunAccountResult {
  account: string
  ok: boolean
  error: ErrorInfo | null
  done: PlanStep[]
}

/** The spec's `up`/`down` document (section 5) for a dry run. */
export interface DryRunDocument {
  arch: string | null
  plan: PlannedChange[]
  results: DryRunAccountResult[]
  lbPublicIp: string | null
  upstream: {servers: string[]; changed: boolean}
  dryRun: true
}

/**
 * `up --dry-run` and `down --dry-run` answer in the shape of a run (spec
 * section 5), so a script reads one shape: every account of the plan in
 * `results` with nothing `done` (an account that could not be read is
 * `ok: false` with its error), the LB's public IP as it is now (it changes
 * if the LB starts), and the upstream the run would write. `changed` is true
 * when the upstream would or may change: while the LB is stopped, what it
 * holds cannot be read. `upstream: null` (down) leaves it alone. Pure.
 */
export function dryRunDocument(input: {
  arch: string | null
  plan: PlannedChange[]
  instances: FleetInstances
  lbAccount: string | null
  upstream: UpstreamPlan | null
}): DryRunDocument {
  const accounts = [...new Set([...input.plan.map((c) => c.account), ...input.instances.keys()])]
  const results = accounts.map((account): DryRunAccountResult => {
    const error = input.instances.get(account)?.error ?? null
    return {account, ok: error === null, error, done: []}
  })
  const lb = input.lbAccount === null ? null : input.instances.get(input.lbAccount)?.instance
  const upstream = input.upstream
    ? {servers: input.upstream.after.flatMap((a) => (a.server === null ? [] : [a.server])), changed: input.upstream.changed !== false}
    : {servers: [], changed: false}
  return {arch: input.arch, plan: input.plan, results, lbPublicIp: lb?.publicIp ?? null, upstream, dryRun: true}
}
