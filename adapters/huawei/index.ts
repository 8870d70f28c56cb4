import { huawei } from '../../src/model/providers/huawei.ts';
import type { SmnProvider } from '../../src/ports/realtime.ts';
import type { ProviderModule } from '../provider-module.ts';
import { addressGroupPageKinds } from './address-groups.ts';
import { changesFromCtsNotification, smnChecks } from './events.ts';
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
    checks: smnChecks(provider),
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
  pageKinds: [...vpcV3PageKinds, ...addressGroupPageKinds, ...portPageKinds],
  createAdapter: async (config, env) => (await import('./live.ts')).createHuaweiAdapter({ config, env }),
  realtime: ctsRealtime('huawei'),
};
