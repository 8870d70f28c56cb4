import type { WardenConfig } from './schema.ts';

/**
 * The config narrowed to one AWS account and region, reached through `role` (a member account's
 * WardenAudit or WardenApply role) or the default credentials, with no Organizations discovery.
 */
export function configForScope(
  config: WardenConfig,
  scope: { provider: string; account: string; region: string },
  role: { roleArn?: string; externalId?: string } | undefined,
): WardenConfig {
  if (scope.provider !== 'aws' || !config.providers.aws) return config;
  const account = role?.roleArn
    ? { id: scope.account, roleArn: role.roleArn, ...(role.externalId ? { externalId: role.externalId } : {}) }
    : { id: scope.account };
  const { organization: _discovery, ...aws } = config.providers.aws;
  return {
    ...config,
    providers: { ...config.providers, aws: { ...aws, accounts: [account], regions: [scope.region] } },
  };
}
