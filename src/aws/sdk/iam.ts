// The IAM calls fleet makes (see ec2.ts for why this file exists).
export {IAMClient, paginateSimulatePrincipalPolicy} from '@aws-sdk/client-iam'
