import {IAMClient, SimulatePrincipalPolicyCommand} from '@aws-sdk/client-iam'
import {mockClient} from 'aws-sdk-client-mock'
import {afterEach, describe, expect, it} from 'vitest'

import {createIamPort} from './iam.js'

// moto has no SimulatePrincipalPolicy, so the mapping of its answer is proven here, narrowly.
const iam = mockClient(IAMClient)
const ctx = {account: 'app-1', accountId: '222222222222', region: 'ap-northeast-2', credentials: {accessKeyId: 'ASIAX', secretAccessKey: 'x'.repeat(40)}}

afterEach(() => iam.reset())

describe('IamPort.deniedActions', () => {
  it('names every action the simulator does not allow, across pages', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .resolvesOnce({
        EvaluationResults: [
          {EvalActionName: 'ec2:DescribeInstances', EvalDecision: 'allowed'},
          {EvalActionName: 'ec2:StartInstances', EvalDecision: 'implicitDeny'},
        ],
        IsTruncated: true,
        Marker: 'next',
      })
      .resolvesOnce({EvaluationResults: [{EvalActionName: 'rds:ModifyDBInstance', EvalDecision: 'explicitDeny'}]})
    const port = await createIamPort(ctx)
    const denied = await port.deniedActions('arn:aws:iam::222222222222:role/FleetOperator', ['ec2:DescribeInstances', 'ec2:StartInstances', 'rds:ModifyDBInstance'])
    expect(denied).toEqual(['ec2:StartInstances', 'rds:ModifyDBInstance'])
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input).toMatchObject({PolicySourceArn: 'arn:aws:iam::222222222222:role/FleetOperator'})
  })

  it('maps a refusal to call the simulator to AccessDenied at the door', async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error('not authorized'), {name: 'AccessDenied'}))
    const port = await createIamPort(ctx)
    await expect(port.deniedActions('arn:x', ['ec2:StartInstances'])).rejects.toMatchObject({code: 'AccessDenied', exitCode: 3})
  })
})
