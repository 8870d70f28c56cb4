import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { WardenConfig } from '../../src/config/schema.ts';
import { DEFAULT_RETRY, withRetry } from '../common/retry.ts';
import { isRetryableAwsError } from './client.ts';
import { partitionOf, roleForAccount } from './roles.ts';

// Which AWS accounts a scheduled run covers, and the role that reaches each: the accounts listed in
// providers.aws.accounts, plus, with providers.aws.organization, every ACTIVE account of the
// Organization. The schedule resolves them once per run and puts the role in each scope message,
// so the scan and apply functions never call Organizations themselves.

export interface AwsAccountTarget {
  /** The account id; absent for the default credentials' own account (learned from STS by the adapter). */
  account?: string;
  roleArn?: string;
  externalId?: string;
}

/** The ACTIVE accounts of the Organization (ListAccounts, every page), with retries on throttling. */
export async function listOrganizationAccounts(
  client: Pick<OrganizationsClient, 'send'>,
  config: WardenConfig,
): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const token = NextToken;
    const page = await withRetry(
      'Organizations ListAccounts',
      {
        ...DEFAULT_RETRY,
        retries: config.scan.retries,
        timeoutMs: config.scan.timeoutMs,
        isRetryable: isRetryableAwsError,
      },
      (signal) =>
        client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
    );
    for (const account of page.Accounts ?? [])
      if (account.Id && (account.State ?? account.Status) === 'ACTIVE') ids.push(account.Id);
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

/**
 * The Organization's ACTIVE accounts that `listed` (the accounts already reached: the listed ones
 * and the default credentials' own) and `exclude` leave, each with the role that reads it.
 */
export async function organizationMembers(
  config: WardenConfig,
  listed: ReadonlySet<string>,
  organizations?: Pick<OrganizationsClient, 'send'>,
): Promise<(AwsAccountTarget & { account: string })[]> {
  const aws = config.providers.aws;
  if (!aws?.organization) return [];
  const client =
    organizations ??
    new OrganizationsClient({
      maxAttempts: 1,
      region: partitionOf(aws.regions[0] ?? '') === 'aws' ? 'us-east-1' : (aws.regions[0] as string),
    });
  const members: (AwsAccountTarget & { account: string })[] = [];
  for (const account of await listOrganizationAccounts(client, config)) {
    if (listed.has(account) || aws.organization.exclude.includes(account)) continue;
    members.push({ account, ...roleForAccount(config, account, 'read') });
  }
  return members;
}

/**
 * The config with the Organization's members listed as accounts (each with its read and apply
 * role) and discovery off: what a process that reads accounts itself (the CLI) reads.
 */
export async function withOrganizationMembers(
  config: WardenConfig,
  listed: ReadonlySet<string>,
  organizations?: Pick<OrganizationsClient, 'send'>,
): Promise<WardenConfig> {
  const aws = config.providers.aws;
  if (!aws?.organization) return config;
  const members = await organizationMembers(config, listed, organizations);
  const { organization: _discovery, ...rest } = aws;
  const accounts = members.map(({ account }) => {
    const read = roleForAccount(config, account, 'read');
    const apply = roleForAccount(config, account, 'apply');
    return {
      id: account,
      ...(read ? { roleArn: read.roleArn } : {}),
      ...(apply ? { applyRoleArn: apply.roleArn } : {}),
      ...(read?.externalId ? { externalId: read.externalId } : {}),
    };
  });
  return { ...config, providers: { ...config.providers, aws: { ...rest, accounts: [...aws.accounts, ...accounts] } } };
}
