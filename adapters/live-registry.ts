import type { WardenConfig } from '../src/config/schema.ts';
import type { Provider } from '../src/model/types.ts';
import type { RoleCredentials } from './aws/client.ts';
import type { LiveAdapter } from '../src/ports/live.ts';

/** Each provider's adapter, loaded only when asked for: a snapshot audit never loads a cloud SDK. */
/** What the adapters of one process share (a Lambda container's, across its invocations). */
export interface AdapterShared {
  /** AWS assumed-role credentials by role: each member role is assumed once per container. */
  awsRoleCredentials?: Map<string, RoleCredentials>;
}

const FACTORIES: Record<Provider, (config: WardenConfig, env: NodeJS.ProcessEnv, shared: AdapterShared) => Promise<LiveAdapter>> = {
  aws: async (config, env, shared) =>
    (await import('./aws/live.ts')).createAwsAdapter({ config, env, ...(shared.awsRoleCredentials ? { roleCredentials: shared.awsRoleCredentials } : {}) }),
  alibaba: async (config, env) => (await import('./alibaba/live.ts')).createAlibabaAdapter({ config, env }),
  huawei: async (config, env) => (await import('./huawei/live.ts')).createHuaweiAdapter({ config, env }),
  otc: async (config, env) => (await import('./otc/live.ts')).createOtcAdapter({ config, env }),
};

export async function createAdapters(providers: readonly Provider[], config: WardenConfig, env: NodeJS.ProcessEnv = process.env, shared: AdapterShared = {}): Promise<LiveAdapter[]> {
  return Promise.all(providers.map((provider) => FACTORIES[provider](config, env, shared)));
}
