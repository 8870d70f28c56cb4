import type { WardenConfig } from '../src/config/schema.ts';
import type { Provider } from '../src/model/types.ts';
import type { LiveAdapter } from './live.ts';

/** Each provider's adapter, loaded only when asked for: a snapshot audit never loads a cloud SDK. */
const FACTORIES: Record<Provider, (config: WardenConfig, env: NodeJS.ProcessEnv) => Promise<LiveAdapter>> = {
  aws: async (config, env) => (await import('./aws/live.ts')).createAwsAdapter({ config, env }),
  alibaba: async (config, env) => (await import('./alibaba/live.ts')).createAlibabaAdapter({ config, env }),
  huawei: async (config, env) => (await import('./huawei/live.ts')).createHuaweiAdapter({ config, env }),
  otc: async (config, env) => (await import('./otc/live.ts')).createOtcAdapter({ config, env }),
};

export async function createAdapters(providers: readonly Provider[], config: WardenConfig, env: NodeJS.ProcessEnv = process.env): Promise<LiveAdapter[]> {
  return Promise.all(providers.map((provider) => FACTORIES[provider](config, env)));
}
