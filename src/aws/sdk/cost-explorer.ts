// The Cost Explorer calls fleet makes (see ec2.ts for why this file exists).
export {CostExplorerClient, GetCostAndUsageCommand} from '@aws-sdk/client-cost-explorer'
