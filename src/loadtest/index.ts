/**
 * The building blocks of `fleet loadtest`. The two engines are not
 * re-exported here: import `./engine-autocannon.js` or
 * `./engine-artillery.js` (lazily, `await import()`) so that a run loads only
 * the engine it uses.
 */
export {runCost, type InstanceUsage, type RunCostInput} from './cost.js'
export {renderCsv} from './csv.js'
export {type EngineOptions, loadEngine} from './engines.js'
export {type HostSampler, type HostSamplerOptions, startHostSampler} from './host-sampler.js'
export {type HostSummary, summarizeHost} from './host-summary.js'
export {renderHtml} from './html.js'
export {type AlertMatch, WORKER_CONNECTIONS_ALERT, alertCheckCommand, matchWorkerConnectionAlerts} from './nginx-alerts.js'
export {samplingCommand} from './proc-stat.js'
export {type ReportInput, type StepHosts, buildReport, runId, stepRecord, totalLbBytes} from './report.js'
export {renderLoadtest} from './render.js'
export {LOADTEST_JSON_SCHEMA} from './schema.js'
export {checkStep} from './step.js'
export {VERDICT_THRESHOLDS, verdictOf, verdicts} from './verdict.js'
export {type RunFiles, makeRunFolder, saveRun, writeRunFiles} from './writer.js'
export type * from './types.js'
