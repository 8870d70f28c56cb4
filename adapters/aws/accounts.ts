import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { WardenConfig } from '../../src/config/schema.ts';
import { DEFAULT_RETRY, withRetry } from '../common/retry.ts';
import { isRetryableAwsError } from './live.ts';
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
export async function listOrganizationAccounts(client: Pick<OrganizationsClient, 'send'>, config: WardenConfig): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const token = NextToken;
    const page = await withRetry(
      'Organizations ListAccounts',
      { ...DEFAULT_RETRY, retries: config.scan.retries, timeoutMs: config.scan.timeoutMs, isRetryable: isRetryableAwsError },
      (signal) => client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }), { abortSignal: signal }),
    );
    for (const account of page.Accounts ?? []) if (account.Id && (account.State ?? account.Status) === 'ACTIVE') ids.push(account.Id);
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

/** Every account a run covers: the listed ones, then the Organization's (without duplicates or excluded ones). */
export async function awsAccountTargets(config: WardenConfig, organizations?: Pick<OrganizationsClient, 'send'>): Promise<AwsAccountTarget[]> {
  const aws = config.providers.aws;
  if (!aws) return [];
  const targets: AwsAccountTarget[] = [];
  const seen = new Set<string>();
  for (const entry of aws.accounts) {
    const account = entry.roleArn?.split(':')[4] || entry.id;
    if (account) seen.add(account);
    targets.push({ ...(account ? { account } : {}), ...(entry.roleArn ? { roleArn: entry.roleArn } : {}), ...(entry.externalId ? { externalId: entry.externalId } : {}) });
  }
  if (aws.organization) {
    const client = organizations ?? new OrganizationsClient({ maxAttempts: 1, region: partitionOf(aws.regions[0] ?? '') === 'aws' ? 'us-east-1' : (aws.regions[0] as string) });
    for (const account of await listOrganizationAccounts(client, config)) {
      if (seen.has(account) || aws.organization.exclude.includes(account)) continue;
      seen.add(account);
      const role = roleForAccount(config, account, 'read');
      targets.push({ account, ...role });
    }
  }
  return targets;
}
