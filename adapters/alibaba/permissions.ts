import { declarePermissions } from '../common/permissions.ts';

// What each Alibaba Cloud call of adapters/alibaba needs of RAM (docs/policies/alibaba-read.json for
// the read keys, alibaba-write.json for the write keys).

export const ALIBABA_PERMISSIONS = declarePermissions({
  operations: {
    DescribeSecurityGroups: { access: 'read', permissions: ['ecs:DescribeSecurityGroups'] },
    DescribeSecurityGroupAttribute: { access: 'read', permissions: ['ecs:DescribeSecurityGroupAttribute'] },
    DescribeNetworkInterfaces: { access: 'read', permissions: ['ecs:DescribeNetworkInterfaces'] },
    DescribeInstances: { access: 'read', permissions: ['ecs:DescribeInstances'] },
    DescribeLaunchTemplates: { access: 'read', permissions: ['ecs:DescribeLaunchTemplates'] },
    DescribeLaunchTemplateVersions: { access: 'read', permissions: ['ecs:DescribeLaunchTemplateVersions'] },
    DescribeScalingConfigurations: { access: 'read', permissions: ['ess:DescribeScalingConfigurations'] },
    DescribeEciScalingConfigurations: { access: 'read', permissions: ['ess:DescribeEciScalingConfigurations'] },
    DescribePrefixLists: { access: 'read', permissions: ['ecs:DescribePrefixLists'] },
    DescribePrefixListAttributes: { access: 'read', permissions: ['ecs:DescribePrefixListAttributes'] },
    DescribePortRangeLists: { access: 'read', permissions: ['ecs:DescribePortRangeLists'] },
    DescribePortRangeListEntries: { access: 'read', permissions: ['ecs:DescribePortRangeListEntries'] },
    AuthorizeSecurityGroup: { access: 'write', permissions: ['ecs:AuthorizeSecurityGroup'] },
    AuthorizeSecurityGroupEgress: { access: 'write', permissions: ['ecs:AuthorizeSecurityGroupEgress'] },
    RevokeSecurityGroup: { access: 'write', permissions: ['ecs:RevokeSecurityGroup'] },
    RevokeSecurityGroupEgress: { access: 'write', permissions: ['ecs:RevokeSecurityGroupEgress'] },
    GetCallerIdentity: {
      access: 'read',
      permissions: [],
      none: 'STS GetCallerIdentity takes no RAM authorization (RAM API reference)',
    },
  },
  uses: {
    scopes: ['GetCallerIdentity'],
    read: [
      'DescribeSecurityGroups',
      'DescribeSecurityGroupAttribute',
      'DescribePrefixLists',
      'DescribePrefixListAttributes',
      'DescribePortRangeLists',
      'DescribePortRangeListEntries',
      'DescribeNetworkInterfaces',
      'DescribeInstances',
      'DescribeLaunchTemplates',
      'DescribeLaunchTemplateVersions',
      'DescribeScalingConfigurations',
      'DescribeEciScalingConfigurations',
    ],
    // The group's rules are read before and after, to find the id of the rule added.
    addRule: ['DescribeSecurityGroupAttribute', 'AuthorizeSecurityGroup', 'AuthorizeSecurityGroupEgress'],
    removeRule: ['RevokeSecurityGroup', 'RevokeSecurityGroupEgress'],
  },
});
