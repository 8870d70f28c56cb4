import { paginateDescribeLaunchConfigurations } from '@aws-sdk/client-auto-scaling';
import { paginateDescribeLaunchTemplates, paginateDescribeLaunchTemplateVersions } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { mapLimit } from '../../src/lib/pool.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { RawPage, Scope } from '../../src/ports/live.ts';
import type { AwsClient } from './client.ts';
import { listErrorCode } from './client.ts';

// The reads of what launches instances with a scope's groups (read by ./group-uses.ts):
// every launch template (DescribeLaunchTemplates), then every version of each one
// (DescribeLaunchTemplateVersions by template id): any version can be launched, or pinned by an Auto
// Scaling group, so the $Default and $Latest versions alone could miss a group still in use. And
// the Auto Scaling launch configurations (DescribeLaunchConfigurations).

/** DescribeLaunchTemplates and DescribeLaunchTemplateVersions take MaxResults up to 200 (EC2 API reference). */
const TEMPLATE_PAGE_SIZE = 200;
/** DescribeLaunchConfigurations takes MaxRecords up to 100 (EC2 Auto Scaling API reference). */
const CONFIGURATION_PAGE_SIZE = 100;
/** Templates whose versions are read at once (each call also waits for a slot of the region's limit). */
const TEMPLATE_CONCURRENCY = 4;
/** A template deleted between the listing and the read of its versions launches nothing any more. */
const GONE_CODES = new Set(['InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateId.Malformed']);

/** The page as the API shapes it: the SDK's `$metadata` and the paging `NextToken` removed. */
export function plainBody(page: object): Record<string, unknown> {
  const { $metadata: _metadata, NextToken: _next, ...body } = page as Record<string, unknown>;
  return body;
}

/** Every page of one paginated listing; a NextToken that repeats is an error, not an endless loop. */
async function pagesOf(operation: string, kind: string, pages: AsyncIterable<object>): Promise<RawPage[]> {
  const out: RawPage[] = [];
  const tokens = new Set<string>();
  for await (const page of pages) {
    out.push({ kind, body: plainBody(page) });
    const next = (page as { NextToken?: string }).NextToken;
    if (next) {
      if (tokens.has(next)) throw new Error(`${operation}: NextToken repeated, the listing does not advance`);
      tokens.add(next);
    }
  }
  return out;
}

export async function readLaunchTemplates(
  aws: AwsClient,
  client: EC2Client,
  scope: Scope,
  cancel: AbortSignal,
): Promise<RawPage[]> {
  const listing = await pagesOf(
    'EC2 DescribeLaunchTemplates',
    'aws:DescribeLaunchTemplates',
    paginateDescribeLaunchTemplates(
      {
        client: aws.pagingClient(client, scope.region, 'DescribeLaunchTemplates', cancel),
        pageSize: TEMPLATE_PAGE_SIZE,
      },
      { MaxResults: TEMPLATE_PAGE_SIZE },
    ),
  );
  const ids = listing.flatMap(({ body }) => {
    const templates = isRecord(body) && Array.isArray(body['LaunchTemplates']) ? body['LaunchTemplates'] : [];
    return templates.flatMap((t: unknown) =>
      isRecord(t) && typeof t['LaunchTemplateId'] === 'string' && t['LaunchTemplateId'] ? [t['LaunchTemplateId']] : [],
    );
  });
  const versions = await mapLimit(ids, TEMPLATE_CONCURRENCY, async (id) => {
    try {
      return await pagesOf(
        `EC2 DescribeLaunchTemplateVersions ${id}`,
        'aws:DescribeLaunchTemplateVersions',
        paginateDescribeLaunchTemplateVersions(
          {
            client: aws.pagingClient(client, scope.region, 'DescribeLaunchTemplateVersions', cancel),
            pageSize: TEMPLATE_PAGE_SIZE,
          },
          { LaunchTemplateId: id, MaxResults: TEMPLATE_PAGE_SIZE },
        ),
      );
    } catch (error) {
      if (GONE_CODES.has(listErrorCode(error))) return [];
      throw error;
    }
  });
  return [...listing, ...versions.flat()];
}

export async function readLaunchConfigurations(aws: AwsClient, scope: Scope, cancel: AbortSignal): Promise<RawPage[]> {
  const client = await aws.autoScalingFor(scope);
  return pagesOf(
    'Auto Scaling DescribeLaunchConfigurations',
    'aws:DescribeLaunchConfigurations',
    paginateDescribeLaunchConfigurations(
      {
        client: aws.pagingClient(client, scope.region, 'DescribeLaunchConfigurations', cancel, 'Auto Scaling'),
        pageSize: CONFIGURATION_PAGE_SIZE,
      },
      { MaxRecords: CONFIGURATION_PAGE_SIZE },
    ),
  );
}
