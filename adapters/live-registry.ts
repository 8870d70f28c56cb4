import type { WardenConfig } from '../src/config/schema.ts';
import type { Provider } from '../src/model/types.ts';
import type { LiveAdapter } from '../src/ports/live.ts';
import type { AdapterShared } from './provider-module.ts';
import { PROVIDER_MODULES } from './providers.ts';

export type { AdapterShared } from './provider-module.ts';

/** Each provider's adapter, loaded only when asked for: a snapshot audit never loads a cloud SDK. */
export async function createAdapters(
  providers: readonly Provider[],
  config: WardenConfig,
  env: NodeJS.ProcessEnv = process.env,
  shared: AdapterShared = {},
): Promise<LiveAdapter[]> {
  return Promise.all(providers.map((provider) => PROVIDER_MODULES[provider].createAdapter(config, env, shared)));
}
