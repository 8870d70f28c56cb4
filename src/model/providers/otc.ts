import type { ProviderDescriptor } from './descriptor.ts';
import { VPC_V3 } from './huawei.ts';

/**
 * Open Telekom Cloud: VPC v3 as Huawei's (its documents are silent on several groups, so the
 * conservative bind order), and the older Neutron v2.0, allow-only like AWS.
 */
export const otc: ProviderDescriptor<'otc'> = {
  name: 'otc',
  title: 'OTC',
  defaultApi: 'vpc-v3',
  apis: {
    'vpc-v3': VPC_V3,
    'neutron-v2': {
      allowOnly: true,
      priorities: { min: 1, max: 1 },
      peerKinds: ['cidr', 'group'],
      addressSetPeers: [],
      referencesCarryFamily: true,
      uniquePriorities: false,
      multiGroup: 'union',
    },
  },
  implicitRules: () => [],
};
