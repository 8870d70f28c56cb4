import { alibaba } from '../../src/model/providers/alibaba.ts';
import type { ProviderModule } from '../provider-module.ts';
import { changesFromActionTrail, verifyAlibabaDelivery } from './events.ts';
import { alibabaPageKinds } from './normalize.ts';

export const alibabaModule: ProviderModule<'alibaba'> = {
  descriptor: alibaba,
  pageKinds: alibabaPageKinds,
  createAdapter: async (config, env) => (await import('./live.ts')).createAlibabaAdapter({ config, env }),
  realtime: {
    delivery: 'https-token',
    verify: verifyAlibabaDelivery,
    parse: changesFromActionTrail,
    // The configured account may be '' (the keys' own account), which matches any event.
    scopeAccount: (config, change) => {
      const configured = config.providers.alibaba?.account;
      if (configured === undefined) return undefined;
      return configured === '' || configured === change.account ? configured : undefined;
    },
  },
};
