import { z } from 'zod';
import { endpoint, scanTuning } from './config-parts.ts';
import type { ProviderDescriptor } from './descriptor.ts';
import { VPC_V3 } from './huawei.ts';

const otcConfigSchema = z
  .object({
    regions: z.array(z.object({ region: z.enum(['eu-de', 'eu-nl']), projectId: z.string().min(1) }).strict()).min(1),
    endpoint,
    /** `aksk`: AK/SK request signing; `token`: an IAM token from iam.<region>.otc.t-systems.com (OS_* variables). */
    auth: z.enum(['aksk', 'token']).default('aksk'),
    /** `auto`: VPC v3, falling back to Neutron v2.0 where v3 answers 404. */
    api: z.enum(['auto', 'vpc-v3', 'neutron-v2']).default('auto'),
    ...scanTuning,
  })
  .strict()
  .optional();

/**
 * Open Telekom Cloud: VPC v3 as Huawei's (its documents are silent on several groups, so the
 * conservative bind order), and the older Neutron v2.0, allow-only like AWS.
 */
export const otc: ProviderDescriptor<'otc', typeof otcConfigSchema> = {
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
  configSchema: otcConfigSchema,
  secretNames: ['OTC_ACCESS_KEY', 'OTC_SECRET_KEY'],
  implicitSection: { projectEnv: 'OS_PROJECT_ID' },
};
