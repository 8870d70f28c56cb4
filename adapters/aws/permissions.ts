import { declarePermissions } from '../common/permissions.ts';

// What each AWS call of adapters/aws (live.ts, accounts.ts, security-hub.ts) needs of IAM. The EC2 and Auto Scaling actions are held by
// the function roles for the deployment's own account and by the member roles (WardenAudit,
// WardenApply) for the others; sts:AssumeRole and organizations:ListAccounts by the function roles only.

export const AWS_PERMISSIONS = declarePermissions({
  operations: {
    DescribeSecurityGroups: { access: 'read', permissions: ['ec2:DescribeSecurityGroups'] },
    DescribeSecurityGroupRules: { access: 'read', permissions: ['ec2:DescribeSecurityGroupRules'] },
    DescribeNetworkInterfaces: { access: 'read', permissions: ['ec2:DescribeNetworkInterfaces'] },
    DescribeManagedPrefixLists: { access: 'read', permissions: ['ec2:DescribeManagedPrefixLists'] },
    GetManagedPrefixListEntries: { access: 'read', permissions: ['ec2:GetManagedPrefixListEntries'] },
    DescribeLaunchTemplates: { access: 'read', permissions: ['ec2:DescribeLaunchTemplates'] },
    DescribeLaunchTemplateVersions: { access: 'read', permissions: ['ec2:DescribeLaunchTemplateVersions'] },
    DescribeLaunchConfigurations: { access: 'read', permissions: ['autoscaling:DescribeLaunchConfigurations'] },
    AuthorizeSecurityGroupIngress: { access: 'write', permissions: ['ec2:AuthorizeSecurityGroupIngress'] },
    AuthorizeSecurityGroupEgress: { access: 'write', permissions: ['ec2:AuthorizeSecurityGroupEgress'] },
    RevokeSecurityGroupIngress: { access: 'write', permissions: ['ec2:RevokeSecurityGroupIngress'] },
    RevokeSecurityGroupEgress: { access: 'write', permissions: ['ec2:RevokeSecurityGroupEgress'] },
    GetCallerIdentity: {
      access: 'read',
      permissions: [],
      none: 'STS answers GetCallerIdentity whatever the policy says (STS API reference)',
      deploymentOnly: true,
    },
    // The member roles it may assume are named by the config (deploy/assume-role.cjs).
    AssumeRole: { access: 'read', permissions: ['sts:AssumeRole'], deploymentOnly: true },
    ListAccounts: { access: 'read', permissions: ['organizations:ListAccounts'], deploymentOnly: true },
    // adapters/aws/security-hub.ts: into the finding's own account (the member role with AllowSecurityHubImport).
    BatchImportFindings: { access: 'report', permissions: ['securityhub:BatchImportFindings'] },
  },
  uses: {
    scopes: ['GetCallerIdentity'],
    read: [
      'AssumeRole',
      'DescribeSecurityGroups',
      'DescribeSecurityGroupRules',
      'DescribeNetworkInterfaces',
      'DescribeManagedPrefixLists',
      'GetManagedPrefixListEntries',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeLaunchConfigurations',
    ],
    // An Authorize that a retry finds already done is looked up by the group's rules.
    addRule: [
      'AssumeRole',
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupEgress',
      'DescribeSecurityGroupRules',
    ],
    removeRule: ['AssumeRole', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress'],
    /** adapters/aws/accounts.ts: the Organization's accounts, for a run's fan-out. */
    organizationMembers: ['ListAccounts'],
    /** adapters/aws/security-hub.ts: `warden audit --security-hub`, each account's findings into its own Security Hub. */
    importFindings: ['AssumeRole', 'BatchImportFindings'],
  },
});
