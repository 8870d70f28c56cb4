import type { ProviderDescriptor } from './descriptor.ts';

/** AWS EC2 security groups: allow-only, every group on an interface unioned. */
export const aws: ProviderDescriptor<'aws'> = {
  name: 'aws',
  title: 'AWS',
  defaultApi: 'ec2',
  apis: {
    ec2: {
      allowOnly: true,
      priorities: { min: 1, max: 1 },
      peerKinds: ['cidr', 'group'],
      addressSetPeers: ['prefix-list'],
      referencesCarryFamily: false,
      uniquePriorities: false,
      multiGroup: 'union',
    },
  },
  implicitRules: () => [],
};
