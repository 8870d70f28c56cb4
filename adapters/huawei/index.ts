import { providersSchema } from '../../src/config/schema.ts';
import type { WardenConfig } from '../../src/config/schema.ts';
import { huawei } from '../../src/model/providers/huawei.ts';
import type { SecurityGroupChange } from '../../src/realtime/change.ts';
import { changesFromCtsNotification } from '../../src/realtime/smn.ts';
import type { ProviderModule } from '../provider-module.ts';
import { addressGroupPageKinds } from './address-groups.ts';
import { vpcV3PageKinds } from './normalize.ts';

/** Huawei and OTC scopes are projects: a change counts when its project and region are configured. */
export function projectScopeAccount(config: WardenConfig, change: SecurityGroupChange & { provider: 'huawei' | 'otc' }): string | undefined {
  const regions = config.providers[change.provider]?.regions ?? [];
  return regions.some((r) => r.projectId === change.account && r.region === change.region) ? change.account : undefined;
}

export const huaweiModule: ProviderModule<'huawei'> = {
  descriptor: huawei,
  configSchema: providersSchema.unwrap().shape.huawei,
  pageKinds: [...vpcV3PageKinds, ...addressGroupPageKinds],
  createAdapter: async (config, env) => (await import('./live.ts')).createHuaweiAdapter({ config, env }),
  secretNames: ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK'],
  realtime: {
    delivery: 'smn',
    smn: 'huawei',
    parse: (message) => changesFromCtsNotification('huawei', message),
    scopeAccount: (config, change) => projectScopeAccount(config, { ...change, provider: 'huawei' }),
  },
};
