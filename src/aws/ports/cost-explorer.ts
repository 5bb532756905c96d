import type {GetCostAndUsageRequest, GetCostAndUsageResponse} from '@aws-sdk/client-cost-explorer'

import {CE_REGION} from '../../cost/query.js'
import {ExternalError} from '../../errors.js'
import {type ClientContext, callerFor, clientConfig, errorName} from './call.js'

/** A runaway answer (a token that never ends) is stopped here: every page costs $0.01. */
export const MAX_COST_PAGES = 100

export interface CostRequestOptions {
  /** Called once for every request sent to Cost Explorer (each page and each retry): each may be billed. */
  onRequest?: () => void
  signal?: AbortSignal
}

export interface CostExplorerPort {
  /** Every page of one GetCostAndUsage answer, following NextPageToken. */
  getCostAndUsage(query: GetCostAndUsageRequest, options?: CostRequestOptions): Promise<GetCostAndUsageResponse[]>
}

export async function createCostExplorerPort(ctx: ClientContext): Promise<CostExplorerPort> {
  const ce = await import('../sdk/cost-explorer.js')
  // Cost Explorer has one endpoint, in us-east-1, whatever the account's region.
  const site = {...ctx, region: CE_REGION}
  const client = new ce.CostExplorerClient(clientConfig(site))
  const call = callerFor(site)
  return {
    getCostAndUsage: (query, options = {}) =>
      call('ce:GetCostAndUsage', async () => {
        const pages: GetCostAndUsageResponse[] = []
        const tokens = new Set<string>()
        let token: string | undefined
        do {
          const command = new ce.GetCostAndUsageCommand({...query, NextPageToken: token})
          // The deserialize step runs once per attempt, inside the SDK's retries: every request sent is counted.
          command.middlewareStack.add(
            (next) => (args) => {
              options.onRequest?.()
              return next(args)
            },
            {step: 'deserialize', name: 'fleetCountCostRequests'},
          )
          const page = await client.send(command, {abortSignal: options.signal}).catch((error: unknown) => {
            throw costExplorerError(error, ctx)
          })
          pages.push(page)
          token = page.NextPageToken || undefined
          if (token && (tokens.has(token) || pages.length >= MAX_COST_PAGES)) throw runaway(ctx, pages.length)
          if (token) tokens.add(token)
        } while (token)
        return pages
      }),
  }
}

const where = (ctx: Pick<ClientContext, 'account' | 'accountId'>) => `account ${ctx.account} (${ctx.accountId})`

/**
 * Cost Explorer's own refusals, said with what to do. An account that never
 * opened Cost Explorer gets AccessDeniedException "User not enabled for cost
 * explorer access"; one just enabled has no data for up to 24 hours.
 */
function costExplorerError(error: unknown, ctx: Pick<ClientContext, 'account' | 'accountId'>): unknown {
  const name = errorName(error)
  const message = (error as {message?: string})?.message ?? ''
  if (name === 'AccessDeniedException' && /not enabled for cost explorer/i.test(message)) {
    return new ExternalError('CostExplorerNotEnabled', `${where(ctx)}: Cost Explorer is not enabled in this account.`, {
      cause: error,
      nextSteps: [
        `Sign in to account ${ctx.accountId} (root or an administrator), open Billing and Cost Management → Cost Explorer once to enable it; its data appears within 24 hours.`,
        'In an AWS Organization, the management account must also let member accounts use Cost Explorer.',
      ],
    })
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new ExternalError('CostExplorerDenied', `${where(ctx)}: ce:GetCostAndUsage was denied (${name}).`, {
      cause: error,
      nextSteps: [
        "Allow ce:GetCostAndUsage to the account's role: `fleet iam policy` prints the policy (it includes it).",
        'In an AWS Organization, the management account may also have to let member accounts use Cost Explorer.',
      ],
    })
  }
  if (name === 'DataUnavailableException') {
    return new ExternalError('CostDataUnavailable', `${where(ctx)}: Cost Explorer has no data for this account yet.`, {
      cause: error,
      nextSteps: ['Cost Explorer fills in within 24 hours of being enabled; try again later.'],
    })
  }
  if (name === 'BillExpirationException') {
    return new ExternalError('CostDataExpired', `${where(ctx)}: Cost Explorer no longer has this month (BillExpirationException).`, {
      cause: error,
      nextSteps: ['Ask for a more recent month with --month.'],
    })
  }
  return error
}

function runaway(ctx: Pick<ClientContext, 'account' | 'accountId'>, pages: number): ExternalError {
  return new ExternalError('CostPagesRunaway', `${where(ctx)}: Cost Explorer kept sending pages (${pages} so far, or a page token seen twice); fleet stopped asking, as each page costs $0.01.`, {
    nextSteps: ['Try again later; if it persists, report it with DEBUG=fleet:* output.'],
  })
}
