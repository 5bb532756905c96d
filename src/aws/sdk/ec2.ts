// The EC2 calls fleet makes, and nothing else: a dynamic import of this file
// lets the bundler drop the rest of the EC2 client (spec section 8: no
// command loads what it does not use).
export {
  AuthorizeSecurityGroupIngressCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  paginateDescribeInstances,
  paginateDescribeSecurityGroupRules,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2'
