import { describe, expect, it } from 'vitest';
import { planScopes } from '../functions/schedule.ts';
import { environmentWithSecrets } from '../functions/lib/secrets.ts';
import type { SecretSource } from '../functions/lib/secrets.ts';
import { configSchema } from '../src/config/schema.ts';
import { SECRET_PATHS } from './support/secret-paths.ts';

// The schedule plans each run's scopes through the adapters (a provider's projects, an account
// learned from its keys): it must hold the read-only provider keys, or every scheduled run of an
// estate with Alibaba, Huawei or OTC fails before a scope is queued.

const PROJECT = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

function ssmHolding(parameters: Record<string, string>): SecretSource {
  return {
    getMultiple: async (path) =>
      Object.fromEntries(
        Object.entries(parameters)
          .filter(([name]) => name.slice(0, name.lastIndexOf('/')) === path)
          .map(([name, value]) => [name.slice(path.length + 1), value]),
      ),
  };
}

describe('the scheduled run of an estate with Huawei Cloud', () => {
  const config = configSchema.parse({
    providers: {
      huawei: { regions: [{ region: 'ap-southeast-1', projectId: PROJECT }], endpoint: 'http://127.0.0.1:9' },
    },
  });
  const secrets = ssmHolding({
    '/warden/prod/slack/SLACK_BOT_TOKEN': 'xoxb-1',
    '/warden/prod/providers/read/HUAWEICLOUD_SDK_AK': 'READAK',
    '/warden/prod/providers/read/HUAWEICLOUD_SDK_SK': 'READSK',
    '/warden/prod/providers/write/HUAWEICLOUD_SDK_AK': 'WRITEAK',
    '/warden/prod/providers/write/HUAWEICLOUD_SDK_SK': 'WRITESK',
  });
  const scheduleEnv = () =>
    environmentWithSecrets(
      { WARDEN_SECRET_PATHS: SECRET_PATHS.schedule.map((p) => `/warden/prod/${p}`).join(',') },
      secrets,
    );

  it('plans its scopes with the keys the schedule function reads: the read keys, never the write keys', async () => {
    const env = await scheduleEnv();
    expect(env['HUAWEICLOUD_SDK_AK']).toBe('READAK');
    expect(await planScopes(config, env)).toEqual([
      { type: 'scope', provider: 'huawei', account: PROJECT, region: 'ap-southeast-1' },
    ]);
  });

  it('without provider keys it cannot plan at all (why the schedule reads them)', async () => {
    await expect(planScopes(config, { WARDEN_SECRET_PATHS: '/warden/prod/slack' })).rejects.toThrow(
      /HUAWEICLOUD_SDK_AK/,
    );
  });
});
