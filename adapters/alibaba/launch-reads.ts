import {
  DescribeInstancesRequest,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplateVersionsRequest,
} from '@alicloud/ecs20140526';
import { isRecord } from '../../src/lib/record.ts';
import { mapLimit } from '../../src/lib/pool.ts';
import type { RawPage, Scope } from '../../src/ports/live.ts';
import { AlibabaApiError, MalformedResponse } from './client.ts';
import type { AlibabaClient, Body, RpcAction } from './client.ts';

// The reads that say which interfaces are public and which groups launch templates name
// (read by ./instances.ts and ./launch-templates.ts): DescribeInstances (an instance's fixed public
// IP and EIP, listed on the instance), DescribeLaunchTemplates, and every version of each template
// (DescribeLaunchTemplateVersions by id: any version can be launched, so the default one alone
// could miss a group still in use). And Auto Scaling's scaling configurations, of the ECS type
// (ESS DescribeScalingConfigurations) and of the ECI type (DescribeEciScalingConfigurations), API
// version 2014-08-28, every one, active or not: no ESS SDK is published on npm, so the calls go
// through the OpenAPI client the ECS SDK is built on (`AlibabaClient.callRpc`), signed and retried as
// the ECS calls are.

export const LAUNCH_PAGE_KINDS = {
  instances: 'alibaba:DescribeInstances',
  launchTemplates: 'alibaba:DescribeLaunchTemplates',
  launchTemplateVersions: 'alibaba:DescribeLaunchTemplateVersions',
  scalingConfigurations: 'alibaba:DescribeScalingConfigurations',
  eciScalingConfigurations: 'alibaba:DescribeEciScalingConfigurations',
} as const;

/**
 * DescribeInstances MaxResults ≤ 100 (request model docs); the launch template calls,
 * DescribeScalingConfigurations and DescribeEciScalingConfigurations (ESS API reference: PageSize at
 * most 50) page by number, 50 a page.
 */
const INSTANCES_PAGE_SIZE = 100;
const TEMPLATE_PAGE_SIZE = 50;
const ESS_VERSION = '2014-08-28';
const SCALING_CONFIGURATIONS = {
  product: 'ess',
  action: 'DescribeScalingConfigurations',
  version: ESS_VERSION,
} as const;
const ECI_SCALING_CONFIGURATIONS = {
  product: 'ess',
  action: 'DescribeEciScalingConfigurations',
  version: ESS_VERSION,
} as const;

/** The list a response holds at `outer.inner`, or a MalformedResponse naming it. */
function listOf(body: Body, outer: string, inner: string): unknown[] {
  const container = body[outer];
  const list = isRecord(container) ? container[inner] : undefined;
  if (!Array.isArray(list)) throw new MalformedResponse(`the response has no ${outer}.${inner} list`);
  return list;
}

type Call = (next: { nextToken?: string; pageNumber: number }) => Promise<Body>;

/**
 * Every page of a listing, by NextToken where the API answers one, else by PageNumber until
 * TotalCount entries were read (or a page comes back short). A token or page that does not advance
 * is an error, not an endless loop.
 */
async function everyPage(
  ali: AlibabaClient,
  scope: Scope,
  action: string,
  list: [string, string],
  pageSize: number,
  call: Call,
): Promise<{ bodies: Body[]; items: unknown[] }> {
  const bodies: Body[] = [];
  const items: unknown[] = [];
  const tokens = new Set<string>();
  let nextToken: string | undefined;
  for (let pageNumber = 1; ; pageNumber++) {
    const body = await call({ ...(nextToken !== undefined ? { nextToken } : {}), pageNumber });
    let page: unknown[];
    try {
      page = listOf(body, ...list);
    } catch (error) {
      throw ali.failure(scope, action, error);
    }
    bodies.push(body);
    items.push(...page);
    const token = typeof body.NextToken === 'string' && body.NextToken !== '' ? body.NextToken : undefined;
    if (token !== undefined) {
      if (tokens.has(token))
        throw ali.failure(scope, action, new MalformedResponse(`NextToken ${JSON.stringify(token)} repeats`));
      tokens.add(token);
      nextToken = token;
      continue;
    }
    if (nextToken !== undefined) break;
    const total = typeof body.TotalCount === 'number' ? body.TotalCount : undefined;
    if (page.length === 0 || (total !== undefined ? items.length >= total : page.length < pageSize)) break;
  }
  return { bodies, items };
}

export async function readInstances(ali: AlibabaClient, scope: Scope): Promise<RawPage[]> {
  const { bodies } = await everyPage(
    ali,
    scope,
    'DescribeInstances',
    ['Instances', 'Instance'],
    INSTANCES_PAGE_SIZE,
    ({ nextToken }) =>
      ali.call(scope, 'DescribeInstances', (client, rt) =>
        client.describeInstancesWithOptions(
          new DescribeInstancesRequest({ regionId: scope.region, maxResults: INSTANCES_PAGE_SIZE, nextToken }),
          rt,
        ),
      ),
  );
  return bodies.map((body) => ({ kind: LAUNCH_PAGE_KINDS.instances, body }));
}

/** A template deleted between the listing and the read of its versions launches nothing any more. */
const isGone = (error: unknown): boolean =>
  error instanceof AlibabaApiError && error.statusCode === 404 && /NotFound/.test(error.code ?? '');

export async function readLaunchTemplates(ali: AlibabaClient, scope: Scope, concurrency: number): Promise<RawPage[]> {
  const listing = await everyPage(
    ali,
    scope,
    'DescribeLaunchTemplates',
    ['LaunchTemplateSets', 'LaunchTemplateSet'],
    TEMPLATE_PAGE_SIZE,
    ({ pageNumber }) =>
      ali.call(scope, 'DescribeLaunchTemplates', (client, rt) =>
        client.describeLaunchTemplatesWithOptions(
          new DescribeLaunchTemplatesRequest({ regionId: scope.region, pageNumber, pageSize: TEMPLATE_PAGE_SIZE }),
          rt,
        ),
      ),
  );
  const ids = listing.items.flatMap((t) =>
    isRecord(t) && typeof t.LaunchTemplateId === 'string' && t.LaunchTemplateId ? [t.LaunchTemplateId] : [],
  );
  const versions = await mapLimit(ids, concurrency, async (id) => {
    const action = `DescribeLaunchTemplateVersions ${id}`;
    try {
      const { bodies } = await everyPage(
        ali,
        scope,
        action,
        ['LaunchTemplateVersionSets', 'LaunchTemplateVersionSet'],
        TEMPLATE_PAGE_SIZE,
        ({ pageNumber }) =>
          ali.call(scope, action, (client, rt) =>
            client.describeLaunchTemplateVersionsWithOptions(
              new DescribeLaunchTemplateVersionsRequest({
                regionId: scope.region,
                launchTemplateId: id,
                detailFlag: true,
                pageNumber,
                pageSize: TEMPLATE_PAGE_SIZE,
              }),
              rt,
            ),
          ),
      );
      return bodies;
    } catch (error) {
      if (isGone(error) || isGone((error as { cause?: unknown }).cause)) return [];
      throw error;
    }
  });
  return [
    ...listing.bodies.map((body) => ({ kind: LAUNCH_PAGE_KINDS.launchTemplates, body })),
    ...versions.flat().map((body) => ({ kind: LAUNCH_PAGE_KINDS.launchTemplateVersions, body })),
  ];
}

/** Every page of an ESS listing of scaling configurations (`ScalingConfigurations.ScalingConfiguration[]`). */
async function readEssConfigurations(ali: AlibabaClient, scope: Scope, rpc: RpcAction): Promise<Body[]> {
  const { bodies } = await everyPage(
    ali,
    scope,
    rpc.action,
    ['ScalingConfigurations', 'ScalingConfiguration'],
    TEMPLATE_PAGE_SIZE,
    ({ pageNumber }) =>
      ali.callRpc(scope, rpc.action, rpc, {
        RegionId: scope.region,
        PageNumber: String(pageNumber),
        PageSize: String(TEMPLATE_PAGE_SIZE),
      }),
  );
  return bodies;
}

export async function readScalingConfigurations(ali: AlibabaClient, scope: Scope): Promise<RawPage[]> {
  const bodies = await readEssConfigurations(ali, scope, SCALING_CONFIGURATIONS);
  return bodies.map((body) => ({ kind: LAUNCH_PAGE_KINDS.scalingConfigurations, body }));
}

export async function readEciScalingConfigurations(ali: AlibabaClient, scope: Scope): Promise<RawPage[]> {
  const bodies = await readEssConfigurations(ali, scope, ECI_SCALING_CONFIGURATIONS);
  return bodies.map((body) => ({ kind: LAUNCH_PAGE_KINDS.eciScalingConfigurations, body }));
}
