import { z } from 'zod';
import { endpoint, region, scanTuning } from './config-parts.ts';
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

const huaweiConfigSchema = z
  .object({
    regions: z.array(z.object({ region, projectId: z.string().min(1) }).strict()).min(1),
    endpoint,
    ...scanTuning,
  })
  .strict()
  .optional();

export const huawei: ProviderDescriptor<'huawei', typeof huaweiConfigSchema> = {
  name: 'huawei',
  title: 'Huawei Cloud',
  defaultApi: 'vpc-v3',
  apis: { 'vpc-v3': VPC_V3 },
  implicitRules: () => [],
  configSchema: huaweiConfigSchema,
  secretNames: ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK'],
  implicitSection: { projectEnv: 'HUAWEICLOUD_SDK_PROJECT_ID' },
};
