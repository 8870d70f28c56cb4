import type { Capabilities, ProviderDescriptor } from './descriptor.ts';

/** Huawei Cloud VPC v3 (and OTC's): allow/deny at priority 1..100, groups applied in bind order. */
export const VPC_V3: Capabilities = {
  allowOnly: false,
  priorities: { min: 1, max: 100 },
  peerKinds: ['cidr', 'group'],
  addressSetPeers: ['address-group'],
  referencesCarryFamily: true,
  uniquePriorities: false,
  multiGroup: 'bind-order',
};

export const huawei: ProviderDescriptor<'huawei'> = {
  name: 'huawei',
  title: 'Huawei Cloud',
  defaultApi: 'vpc-v3',
  apis: { 'vpc-v3': VPC_V3 },
  implicitRules: () => [],
};
