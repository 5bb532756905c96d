// The RDS calls fleet makes (see ec2.ts for why this file exists).
export {DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient} from '@aws-sdk/client-rds'
