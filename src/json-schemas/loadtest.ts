/** `fleet loadtest --json`: the run's own schema (src/loadtest/schema.ts), and its --dry-run plan. */
import {LOADTEST_JSON_SCHEMA} from '../loadtest/schema.js'
import {arrayOf, bool, commandSchema, described, int, isDryRun, num, object, oneOfValues, type Schema, str, strings} from './dsl.js'
import {plannedChange} from './shared.js'

/** The run's result: spec section 5's `loadtest` shape, as the run's loadtest.json holds it. */
export function loadtestRun(): Schema {
  const {$schema: _draft, title: _title, ...run} = LOADTEST_JSON_SCHEMA as Schema
  return run
}

/** `--dry-run`: the settings, each architecture's plan and the run's estimated time and cost. */
function dryRun(run: Schema): Schema {
  const cost = (run.properties as Record<string, Schema>).cost!
  return object({
    dryRun: {const: true},
    settings: object({archs: strings, users: arrayOf(int), thinkMs: num, durationMs: num, warmupMs: num, engine: oneOfValues('autocannon', 'artillery'), target: {type: 'object'}, down: bool}),
    plan: arrayOf(object({arch: str, plan: arrayOf(plannedChange), upstream: {type: 'object'}, cost: {type: 'object'}, minutes: num})),
    estimate: described('the run\'s estimated cost, as `cost` of a run', cost),
    minutes: described('the run\'s estimated length', num),
  })
}

export function loadtest(): Schema {
  const run = loadtestRun()
  return commandSchema('loadtest', 'The run\'s steps, verdicts and cost (spec section 5), as in its loadtest.json. With --dry-run: the plan and its estimate.', {if: isDryRun, then: dryRun(run), else: run})
}
