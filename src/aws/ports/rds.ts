import type {DBInstance} from '@aws-sdk/client-rds'

import {type ClientContext, callerFor, clientConfig, errorName} from './call.js'

export interface RdsPort {
  /** null when no DB instance has that identifier. */
  describeDbInstance(identifier: string): Promise<DBInstance | null>
  /**
   * Sets PubliclyAccessible with ApplyImmediately. AWS answers at once and
   * applies it over the next minutes: the caller waits for
   * DescribeDBInstances to show it (src/rds/wait.ts).
   */
  setPubliclyAccessible(identifier: string, publiclyAccessible: boolean): Promise<void>
}

export async function createRdsPort(ctx: ClientContext): Promise<RdsPort> {
  const rds = await import('../sdk/rds.js')
  const client = new rds.RDSClient(clientConfig(ctx))
  const call = callerFor(ctx)
  return {
    describeDbInstance: (identifier) =>
      call('rds:DescribeDBInstances', async () => {
        try {
          const out = await client.send(new rds.DescribeDBInstancesCommand({DBInstanceIdentifier: identifier}))
          return out.DBInstances?.[0] ?? null
        } catch (error) {
          if (errorName(error) === 'DBInstanceNotFoundFault') return null
          throw error
        }
      }),
    setPubliclyAccessible: (identifier, publiclyAccessible) =>
      call('rds:ModifyDBInstance', async () => {
        await client.send(new rds.ModifyDBInstanceCommand({DBInstanceIdentifier: identifier, PubliclyAccessible: publiclyAccessible, ApplyImmediately: true}))
      }),
  }
}
