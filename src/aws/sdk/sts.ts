// The STS calls fleet makes (see ec2.ts for why this file exists).
export {AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient} from '@aws-sdk/client-sts'
