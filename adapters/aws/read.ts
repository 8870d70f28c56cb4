import {
  paginateDescribeManagedPrefixLists,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroupRules,
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
} from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RawPage, ReadProgress, Scope } from '../../src/ports/live.ts';
import type { AwsClient } from './client.ts';
import { errorText, listErrorCode } from './client.ts';
import { plainBody, readLaunchConfigurations, readLaunchTemplates } from './launch-reads.ts';
import {
  PREFIX_LIST_PAGE_SIZE,
  prefixListErrorPage,
  referencedPrefixLists,
  UNREADABLE_LIST_CODES,
} from './prefix-lists.ts';

// The AWS reads: EC2 DescribeSecurityGroups / DescribeSecurityGroupRules / DescribeNetworkInterfaces
// pages of a scope, the launch templates and configurations that name its groups (./launch-reads.ts),
// and the prefix lists its rules name, as the API shapes them (read by ./normalize.ts).

export const PAGE_SIZE = 1000;

type Paginate = (
  config: { client: EC2Client; pageSize: number },
  input: { MaxResults?: number },
) => AsyncIterable<object>;
const LISTINGS: { operation: string; kind: string; paginate: Paginate; input?: Record<string, unknown> }[] = [
  {
    operation: 'DescribeSecurityGroups',
    kind: 'aws:DescribeSecurityGroups',
    paginate: paginateDescribeSecurityGroups as Paginate,
  },
  {
    operation: 'DescribeSecurityGroupRules',
    kind: 'aws:DescribeSecurityGroupRules',
    paginate: paginateDescribeSecurityGroupRules as Paginate,
  },
  {
    operation: 'DescribeNetworkInterfaces',
    kind: 'aws:DescribeNetworkInterfaces',
    paginate: paginateDescribeNetworkInterfaces as Paginate,
    // Interfaces AWS services manage (load balancers, endpoints) may be hidden otherwise, and a
    // group they carry would look unused.
    input: { IncludeManagedResources: true },
  },
];

/**
 * Every page of the scope: the three listings and the launch templates and configurations at once,
 * then the prefix lists its rules name.
 */
export async function readAwsScope(aws: AwsClient, scope: Scope, progress?: ReadProgress): Promise<RawPage[]> {
  const client = await aws.ec2For(scope);
  const failed = new AbortController();
  let pages = 0;
  let groups = 0;
  const listing = async ({ operation, kind, paginate, input }: (typeof LISTINGS)[number]): Promise<RawPage[]> => {
    const out: RawPage[] = [];
    const tokens = new Set<string>();
    for await (const page of paginate(
      { client: aws.pagingClient(client, scope.region, operation, failed.signal), pageSize: PAGE_SIZE },
      { ...input, MaxResults: PAGE_SIZE },
    )) {
      const body = plainBody(page);
      out.push({ kind, body });
      pages++;
      if (Array.isArray(body['SecurityGroups'])) groups += body['SecurityGroups'].length;
      progress?.({ scope, pages, groups });
      const next = (page as { NextToken?: string }).NextToken;
      if (next) {
        if (tokens.has(next)) throw new Error(`EC2 ${operation}: NextToken repeated, the listing does not advance`);
        tokens.add(next);
      }
    }
    return out;
  };
  // The listings run at once. The first failure stops the others (no new attempt, no next page)
  // and is what read rejects with, once nothing of this read is in flight any more: a scope is
  // never reported with its launch templates or configurations silently missing.
  let firstError: { error: unknown } | undefined;
  const lists = await Promise.all(
    [
      ...LISTINGS.map((l) => () => listing(l)),
      () => readLaunchTemplates(aws, client, scope, failed.signal),
      () => readLaunchConfigurations(aws, scope, failed.signal),
    ].map((read) =>
      read().catch((error: unknown) => {
        firstError ??= { error };
        failed.abort();
        return [];
      }),
    ),
  );
  if (firstError) throw firstError.error;
  const pagesRead = lists.flat();
  return [
    ...pagesRead,
    ...(await readPrefixLists(aws, client, scope, referencedPrefixLists(pagesRead), failed.signal)),
  ];
}

/**
 * The prefix lists the scope's rules name: the lists the account can see (its own, shared
 * with it, AWS-managed), then the entries of each named one, every page of them in one body
 * that names the list. A list the account cannot read, or that no description lists (moto
 * answers any id with no entries), gets an error page: its rules are evaluated as unknown.
 */
async function readPrefixLists(
  aws: AwsClient,
  client: EC2Client,
  scope: Scope,
  ids: string[],
  cancel: AbortSignal,
): Promise<RawPage[]> {
  if (ids.length === 0) return [];
  const out: RawPage[] = [];
  const described = new Set<string>();
  try {
    const paging = aws.pagingClient(client, scope.region, 'DescribeManagedPrefixLists', cancel);
    for await (const page of paginateDescribeManagedPrefixLists(
      { client: paging, pageSize: PREFIX_LIST_PAGE_SIZE },
      { MaxResults: PREFIX_LIST_PAGE_SIZE },
    )) {
      const body = plainBody(page);
      out.push({ kind: 'aws:DescribeManagedPrefixLists', body });
      for (const list of page.PrefixLists ?? []) if (list.PrefixListId) described.add(list.PrefixListId);
    }
  } catch (error) {
    if (!UNREADABLE_LIST_CODES.has(listErrorCode(error))) throw error;
    return [...out, ...ids.map((id) => prefixListErrorPage(id, listErrorCode(error), errorText(error)))];
  }
  for (const id of ids) {
    if (!described.has(id)) {
      out.push(
        prefixListErrorPage(
          id,
          'NotDescribed',
          "DescribeManagedPrefixLists does not list it (deleted, or another account's list not shared with this one)",
        ),
      );
      continue;
    }
    try {
      const entries: unknown[] = [];
      const paging = aws.pagingClient(client, scope.region, 'GetManagedPrefixListEntries', cancel);
      for await (const page of paginateGetManagedPrefixListEntries(
        { client: paging, pageSize: PREFIX_LIST_PAGE_SIZE },
        { PrefixListId: id, MaxResults: PREFIX_LIST_PAGE_SIZE },
      )) {
        entries.push(...(page.Entries ?? []));
      }
      out.push({ kind: 'aws:GetManagedPrefixListEntries', body: { PrefixListId: id, Entries: entries } });
    } catch (error) {
      if (!UNREADABLE_LIST_CODES.has(listErrorCode(error))) throw error;
      out.push(prefixListErrorPage(id, listErrorCode(error), errorText(error)));
    }
  }
  return out;
}
