// The CloudWatch calls fleet makes (see ec2.ts for why this file exists).
export {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
