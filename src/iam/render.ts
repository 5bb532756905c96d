import type {AccountPolicies} from './policy.js'

/** The policies for people, with the AWS CLI lines that create the role. */
export function renderPolicies(accounts: AccountPolicies[]): string {
  const out: string[] = []
  for (const a of accounts) {
    out.push(
      `# ${a.account} (${a.accountId}): role ${a.roleName}`,
      '## trust policy',
      JSON.stringify(a.trustPolicy, null, 2),
      '## permission policy',
      JSON.stringify(a.permissionPolicy, null, 2),
      '## create it (in that account):',
      `#   aws iam create-role --role-name ${a.roleName} --max-session-duration 3600 --assume-role-policy-document file://trust-${a.account}.json`,
      `#   aws iam put-role-policy --role-name ${a.roleName} --policy-name fleet --policy-document file://permissions-${a.account}.json`,
      '',
    )
  }
  return out.join('\n')
}
