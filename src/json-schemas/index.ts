/**
 * The JSON Schema (draft-07) of every command's `--json` stdout, by command
 * id (`upstream:sync`). `npm run schema` writes each to
 * `schemas/<id with ":" as "-">.json`; tests validate every `--json` run of
 * the test suite against the committed file (test/harness/json-output.ts)
 * and fail for a command without one.
 */
import type {Schema} from './dsl.js'
import {down, rdsPublic, status, up, upstreamShow, upstreamSync} from './fleet.js'
import {loadtest} from './loadtest.js'
import {cost, doctor, logs} from './reports.js'
import {archList, archShow, hostsForget, iamPolicy, init, login, logout} from './setup.js'

export type {Schema}

export const COMMAND_JSON_SCHEMAS: Readonly<Record<string, Schema>> = {
  'arch:list': archList,
  'arch:show': archShow,
  cost,
  doctor,
  down,
  'hosts:forget': hostsForget,
  'iam:policy': iamPolicy,
  init,
  loadtest: loadtest(),
  login,
  logout,
  logs,
  'rds-public': rdsPublic,
  status,
  up,
  'upstream:show': upstreamShow,
  'upstream:sync': upstreamSync,
}

/** `upstream:sync` → `upstream-sync.json`, the file under `schemas/`. */
export function schemaFileName(commandId: string): string {
  return `${commandId.replaceAll(':', '-')}.json`
}
