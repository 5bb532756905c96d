import {type ClientContext, callerFor, clientConfig} from './call.js'

export interface IamPort {
  /** The actions that the principal's policies do not allow. */
  deniedActions(principalArn: string, actions: string[]): Promise<string[]>
}

export async function createIamPort(ctx: ClientContext): Promise<IamPort> {
  const iam = await import('../sdk/iam.js')
  // IAM is global: its endpoint lives in us-east-1 whatever the account's region.
  const client = new iam.IAMClient(clientConfig({...ctx, region: 'us-east-1'}))
  const call = callerFor(ctx)
  return {
    deniedActions: (principalArn, actions) =>
      call('iam:SimulatePrincipalPolicy', async () => {
        const denied: string[] = []
        for await (const page of iam.paginateSimulatePrincipalPolicy({client}, {PolicySourceArn: principalArn, ActionNames: actions})) {
          for (const r of page.EvaluationResults ?? []) {
            if (r.EvalDecision !== 'allowed' && r.EvalActionName) denied.push(r.EvalActionName)
          }
        }
        return denied
      }),
  }
}
