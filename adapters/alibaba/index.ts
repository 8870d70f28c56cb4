import { providersSchema } from '../../src/config/schema.ts';
import { alibaba } from '../../src/model/providers/alibaba.ts';
import type { ProviderModule } from '../provider-module.ts';
import { changesFromActionTrail, verifyAlibabaDelivery } from './events.ts';
import { alibabaPageKinds } from './normalize.ts';

export const alibabaModule: ProviderModule<'alibaba'> = {
  descriptor: alibaba,
  configSchema: providersSchema.unwrap().shape.alibaba,
  pageKinds: alibabaPageKinds,
  createAdapter: async (config, env) => (await import('./live.ts')).createAlibabaAdapter({ config, env }),
  secretNames: ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
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
