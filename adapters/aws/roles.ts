import type { WardenConfig } from '../../src/config/schema.ts';
import { configForScope } from '../../src/config/scoped.ts';

// The role that reaches an AWS member account (pure: no SDK), and the config narrowed to it.

export type RolePurpose = 'read' | 'apply';

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * The role that reaches `account` for reading or for applying a fix: the listed entry's roleArn /
 * applyRoleArn, else the Organization's role names. undefined for the deployment's own account
 * (`homeAccount`, or an entry listed by id without a role): it is reached with the function's own
 * credentials.
 */
export function roleForAccount(
  config: WardenConfig,
  account: string,
  purpose: RolePurpose,
  homeAccount?: string,
): { roleArn: string; externalId?: string } | undefined {
  const aws = config.providers.aws;
  if (!aws) return undefined;
  const listed = aws.accounts.find(
    (a) => a.id === account || (a.roleArn !== undefined && a.roleArn.split(':')[4] === account),
  );
  if (listed?.roleArn) {
    const roleArn = purpose === 'apply' ? (listed.applyRoleArn ?? listed.roleArn) : listed.roleArn;
    return { roleArn, ...(listed.externalId ? { externalId: listed.externalId } : {}) };
  }
  if (listed || account === homeAccount) return undefined;
  const org = aws.organization;
  if (!org || org.exclude.includes(account)) return undefined;
  const partition = partitionOf(aws.regions[0] ?? '');
  const roleName = purpose === 'apply' ? org.applyRoleName : org.roleName;
  return {
    roleArn: `arn:${partition}:iam::${account}:role/${roleName}`,
    ...(org.externalId ? { externalId: org.externalId } : {}),
  };
}

/**
 * The config for one known AWS account: its member role (for reading or for applying) and no discovery. The
 * home account (the default credentials), or an account Warden was not given (the adapter refuses it): `config`.
 */
export function memberAccountConfig(
  config: WardenConfig,
  homeAccount?: string,
): (scope: { provider: string; account: string; region: string }, purpose: RolePurpose) => WardenConfig {
  return (scope, purpose) => {
    if (scope.provider !== 'aws' || !config.providers.aws) return config;
    const role = roleForAccount(config, scope.account, purpose, homeAccount);
    return role ? configForScope(config, scope, role) : config;
  };
}
