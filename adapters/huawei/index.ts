import { providersSchema } from '../../src/config/schema.ts';
import { huawei } from '../../src/model/providers/huawei.ts';
import { changesFromCtsNotification } from '../../src/realtime/smn.ts';
import type { SmnProvider } from '../../src/realtime/smn.ts';
import type { ProviderModule } from '../provider-module.ts';
import { addressGroupPageKinds } from './address-groups.ts';
import { portPageKinds } from './ports.ts';
import { vpcV3PageKinds } from './normalize.ts';

/**
 * Huawei's and OTC's changes: CTS key-event notifications through SMN. Their scopes are projects: a
 * change counts when its project and region are configured.
 */
export function ctsRealtime(provider: SmnProvider): ProviderModule['realtime'] {
  return {
    delivery: 'smn',
    smn: provider,
    parse: (message) => changesFromCtsNotification(provider, message),
    scopeAccount: (config, change) => {
      const regions = config.providers[provider]?.regions ?? [];
      return regions.some((r) => r.projectId === change.account && r.region === change.region)
        ? change.account
        : undefined;
    },
  };
}

export const huaweiModule: ProviderModule<'huawei'> = {
  descriptor: huawei,
  configSchema: providersSchema.unwrap().shape.huawei,
  pageKinds: [...vpcV3PageKinds, ...addressGroupPageKinds, ...portPageKinds],
  createAdapter: async (config, env) => (await import('./live.ts')).createHuaweiAdapter({ config, env }),
  secretNames: ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK'],
  realtime: ctsRealtime('huawei'),
};
