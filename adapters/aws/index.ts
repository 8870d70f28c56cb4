import type { WardenConfig } from '../../src/config/schema.ts';
import { aws } from '../../src/model/providers/aws.ts';
import type { ProviderModule } from '../provider-module.ts';
import { changesFromCloudTrail } from './events.ts';
import { awsPageKinds } from './normalize.ts';
import { roleForAccount } from './roles.ts';

/** The accounts listed with their own read role (the rest are the home account's credentials). */
function accountsByRole(config: WardenConfig): Set<string | undefined> {
  return new Set(
    (config.providers.aws?.accounts ?? []).flatMap((a) => (a.roleArn ? [a.roleArn.split(':')[4] ?? a.id] : [])),
  );
}

export const awsModule: ProviderModule<'aws'> = {
  descriptor: aws,
  pageKinds: awsPageKinds,
  createAdapter: async (config, env, shared) =>
    (await import('./live.ts')).createAwsAdapter({
      config,
      env,
      ...(shared.awsRoleCredentials ? { roleCredentials: shared.awsRoleCredentials } : {}),
    }),
  realtime: {
    delivery: 'eventbridge',
    parse: changesFromCloudTrail,
    scopeAccount: (_config, change) => change.account,
  },
  scanRole: (config, account) =>
    accountsByRole(config).has(account) ? roleForAccount(config, account, 'read') : undefined,
  extraScopes: async (config, listed, organizations) => {
    const aws = config.providers.aws;
    if (!aws?.organization) return [];
    const { organizationMembers } = await import('./accounts.ts');
    const members = await organizationMembers(config, new Set(listed.map((s) => s.account)), organizations);
    return members.flatMap(({ account, ...role }) =>
      aws.regions.map((region) => ({ provider: 'aws' as const, account, region, ...role })),
    );
  },
  discovery: {
    call: 'Organizations ListAccounts',
    configWith: (config, listedAccounts) =>
      config.providers.aws?.organization
        ? import('./accounts.ts').then(({ withOrganizationMembers }) => withOrganizationMembers(config, listedAccounts))
        : undefined,
  },
};
