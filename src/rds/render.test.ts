import {readFile, writeFile} from 'node:fs/promises'

import {describe, expect, test} from 'vitest'

import {renderRdsPublic} from './render.js'
import type {RdsPublicResult, RdsServerResult} from './types.js'

const server = (over: Partial<RdsServerResult>): RdsServerResult => ({
  account: 'app-1',
  instanceId: 'i-0a1',
  dbUrlMode: 'public',
  before: 'private',
  restarted: true,
  outcome: 'switched',
  diff: '',
  pending: false,
  warnings: [],
  ok: true,
  error: null,
  ...over,
})

const base: RdsPublicResult = {
  action: 'on',
  dryRun: false,
  publiclyAccessible: true,
  endpoint: 'parking-db.c9akciq32.ap-northeast-2.rds.amazonaws.com',
  port: 3306,
  servers: [],
  db: {account: 'lb', identifier: 'parking-db', status: 'available', vpcId: 'vpc-0db', securityGroup: 'sg-0db', internetGateway: true},
  flagChange: {from: false, to: true, applied: true},
  rules: ['tcp/3306 from 54.180.1.1/32', 'tcp/3306 from 54.180.2.2/32'],
  securityGroup: {account: 'lb', ok: true, error: null, dryRun: false, authorized: ['sg-0db tcp/3306 from 54.180.1.1/32', 'sg-0db tcp/3306 from 54.180.2.2/32'], revoked: [], groups: [], warnings: []},
  shared: false,
  ipv4: {hourlyUsd: 0.005, billedNow: true, month: '2026-11', hoursLeftInMonth: 130, restOfMonthUsd: 0.65, fullMonthUsd: 3.6},
  appsRestarted: true,
  converged: false,
  warnings: [],
  error: null,
}

/** The expected text; FLEET_UPDATE_GOLDEN=1 rewrites it from what the code renders now (then review the diff). */
async function golden(name: string, actual: string): Promise<string> {
  const file = new URL(`./fixtures/${name}`, import.meta.url)
  if (process.env.FLEET_UPDATE_GOLDEN) await writeFile(file, actual)
  return readFile(file, 'utf8')
}

describe('renderRdsPublic', () => {
  test('Given an on run where one restart failed, Then the headline says so and the failure is named with what to do', async () => {
    const r: RdsPublicResult = {
      ...base,
      servers: [
        server({}),
        server({
          account: 'app-2',
          dbUrlMode: 'private',
          outcome: 'restored',
          ok: false,
          error: {code: 'AppRestartFailed', message: 'apps.restart `docker compose up -d` exited with 1 on app-2 (i-0a2, ec2-user@54.180.2.2:22):\nno such service', nextSteps: ['Run apps.restart by hand on that host to see why, then run the command again.']},
        }),
        server({account: 'app-3', outcome: 'skipped', dbUrlMode: null, before: null, restarted: false, warnings: ['skipped: its instance is stopped']}),
      ],
    }
    const text = renderRdsPublic(r) + '\n'
    expect(text).toBe(await golden('on-one-failed.txt', text))
  })

  test('Given a dry run of off, Then the plan shows the flag, the rules, each diff and one summary line', async () => {
    const diff = '--- /home/ec2-user/app/.env\n+++ /home/ec2-user/app/.env\n@@ -1,2 +1,2 @@\n-#DB_URL=jdbc:mysql://10.0.0.5:3306/parking\n-DB_URL=jdbc:mysql://admin:****@parking-db:3306/parking\n+DB_URL=jdbc:mysql://10.0.0.5:3306/parking\n+#DB_URL=jdbc:mysql://admin:****@parking-db:3306/parking\n'
    const r: RdsPublicResult = {
      ...base,
      action: 'off',
      dryRun: true,
      flagChange: {from: true, to: false, applied: false},
      securityGroup: {...base.securityGroup!, dryRun: true, authorized: [], revoked: ['sg-0db tcp/3306 from 54.180.1.1/32']},
      servers: [server({dbUrlMode: 'public', before: 'public', outcome: 'switched', restarted: false, diff}), server({account: 'app-2', dbUrlMode: 'private', before: 'private', outcome: 'unchanged', restarted: false})],
      warnings: ['app-1, app-2 are in another account than the database\'s (lb) and cannot reach a private endpoint there.'],
    }
    const text = renderRdsPublic(r) + '\n'
    expect(text).toBe(await golden('off-dry-run.txt', text))
  })

  test('Given status, Then the flag, endpoint, cost, network, rules and each server’s URL', async () => {
    const r: RdsPublicResult = {...base, action: 'status', flagChange: null, securityGroup: null, servers: [server({outcome: 'unchanged', before: 'public', restarted: false}), server({account: 'app-2', dbUrlMode: 'other', before: 'other', outcome: 'unchanged', restarted: false})]}
    const text = renderRdsPublic(r) + '\n'
    expect(text).toBe(await golden('status.txt', text))
  })
})
