import {
  DescribeNetworkInterfacesRequest,
  DescribePortRangeListEntriesRequest,
  DescribePortRangeListsRequest,
  DescribePrefixListAttributesRequest,
  DescribePrefixListsRequest,
  DescribeSecurityGroupAttributeRequest,
  DescribeSecurityGroupsRequest,
} from '@alicloud/ecs20140526';
import type { RuntimeOptions } from '@darabonba/typescript';
import { isRecord } from '../../src/lib/record.ts';
import type { Direction } from '../../src/model/types.ts';
import { mapLimit } from '../../src/lib/pool.ts';
import type { RawPage, ReadProgress, Scope } from '../../src/ports/live.ts';
import { AlibabaApiError, isThrottling, MalformedResponse } from './client.ts';
import type { AlibabaClient, Body, EcsClient } from './client.ts';
import { referencedLists, SET_PAGE_KINDS } from './sets.ts';
import {
  LAUNCH_PAGE_KINDS,
  readEciScalingConfigurations,
  readInstances,
  readLaunchTemplates,
  readScalingConfigurations,
} from './launch-reads.ts';

// The Alibaba reads: a scope's groups, each group's rules (DescribeSecurityGroupAttribute), the
// prefix lists and port lists they name, and the network interfaces, page by page as the API
// answers (read by ./normalize.ts and ./sets.ts).

export const PAGE_KINDS = {
  groups: 'alibaba:DescribeSecurityGroups',
  attribute: 'alibaba:DescribeSecurityGroupAttribute',
  interfaces: 'alibaba:DescribeNetworkInterfaces',
  ...SET_PAGE_KINDS,
  ...LAUNCH_PAGE_KINDS,
} as const;

/**
 * Page sizes: each API's documented maximum (the request models' docs in @alicloud/ecs20140526):
 * DescribeSecurityGroups MaxResults ≤ 100; DescribeSecurityGroupAttribute 10..1000;
 * DescribeNetworkInterfaces 10..500; DescribePrefixLists and DescribePortRangeLists ≤ 100, and at
 * most 100 ids (PrefixListId.N / PortRangeListId.N) per request.
 */
export const PAGE_SIZE = { groups: 100, attribute: 1000, interfaces: 500, lists: 100 } as const;

function nextTokenOf(body: Body): string | undefined {
  const token = body.NextToken;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function listAt(body: Body, outer: string, inner: string): unknown[] | undefined {
  const container = body[outer];
  const list = isRecord(container) ? container[inner] : undefined;
  return Array.isArray(list) ? list : undefined;
}

function checkGroupsPage(body: Body): string[] {
  const list = listAt(body, 'SecurityGroups', 'SecurityGroup');
  if (!list) throw new MalformedResponse('the response has no SecurityGroups.SecurityGroup list');
  return list.map((item, i) => {
    const id = isRecord(item) ? item.SecurityGroupId : undefined;
    if (typeof id !== 'string' || id === '')
      throw new MalformedResponse(`SecurityGroups.SecurityGroup[${i}] has no SecurityGroupId`);
    return id;
  });
}

function checkAttributePage(body: Body, groupId: string): void {
  if (!listAt(body, 'Permissions', 'Permission'))
    throw new MalformedResponse('the response has no Permissions.Permission list');
  if (body.SecurityGroupId !== groupId) {
    throw new MalformedResponse(
      `the response is for security group ${JSON.stringify(body.SecurityGroupId)}, not ${groupId}`,
    );
  }
}

function checkList(body: Body, outer: string, inner?: string): void {
  const list = inner === undefined ? body[outer] : listAt(body, outer, inner);
  if (!Array.isArray(list))
    throw new MalformedResponse(`the response has no ${inner === undefined ? outer : `${outer}.${inner}`} list`);
}

/** The list a response is about: the id asked for (added where the response names none). */
function aboutList(body: Body, idField: string, id: string): Body {
  if (body[idField] !== undefined && body[idField] !== id) {
    throw new MalformedResponse(`the response is for ${idField} ${JSON.stringify(body[idField])}, not ${id}`);
  }
  return { ...body, [idField]: id };
}

/**
 * A refusal about one list (a 4xx other than throttling: not found, forbidden, another account's
 * list) as the page Warden keeps: the API's error body. The list is then the unknown, not the scope.
 */
function refusal(error: unknown): Body | undefined {
  if (!(error instanceof AlibabaApiError) || isThrottling(error)) return undefined;
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const body = error.body ?? {};
  const { Entries: _entries, ...rest } = body;
  return {
    ...rest,
    Code: typeof body.Code === 'string' && body.Code !== '' ? body.Code : (error.code ?? `HTTP ${status}`),
    Message: typeof body.Message === 'string' ? body.Message : error.message,
  };
}

function checkInterfacesPage(body: Body): void {
  if (!listAt(body, 'NetworkInterfaceSets', 'NetworkInterfaceSet')) {
    throw new MalformedResponse('the response has no NetworkInterfaceSets.NetworkInterfaceSet list');
  }
}

/** Every page of a NextToken-paginated call. */
const paginate = async (
  ali: AlibabaClient,
  scope: Scope,
  action: string,
  page: (token: string | undefined) => Promise<Body>,
  onPage: (body: Body) => void,
): Promise<Body[]> => {
  const bodies: Body[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const body = await page(token);
    try {
      onPage(body);
    } catch (error) {
      throw ali.failure(scope, action, error);
    }
    bodies.push(body);
    token = nextTokenOf(body);
    if (token !== undefined) {
      if (seen.has(token))
        throw ali.failure(scope, action, new MalformedResponse(`NextToken ${JSON.stringify(token)} repeats`));
      seen.add(token);
    }
  } while (token !== undefined);
  return bodies;
};

export const attributePages = (
  ali: AlibabaClient,
  scope: Scope,
  groupId: string,
  direction: Direction | 'all',
): Promise<Body[]> =>
  paginate(
    ali,
    scope,
    `DescribeSecurityGroupAttribute ${groupId}`,
    (nextToken) =>
      ali.call(scope, `DescribeSecurityGroupAttribute ${groupId}`, (client, rt) =>
        client.describeSecurityGroupAttributeWithOptions(
          new DescribeSecurityGroupAttributeRequest({
            regionId: scope.region,
            securityGroupId: groupId,
            direction,
            maxResults: PAGE_SIZE.attribute,
            nextToken,
          }),
          rt,
        ),
      ),
    (body) => checkAttributePage(body, groupId),
  );

/** Listing pages of DescribePrefixLists / DescribePortRangeLists for `ids`, 100 ids a request; a refused listing is skipped (each list's own answer decides). */
const listingPages = async (
  ali: AlibabaClient,
  scope: Scope,
  action: string,
  ids: string[],
  request: (
    client: EcsClient,
    rt: RuntimeOptions,
    chunk: string[],
    nextToken: string | undefined,
  ) => Promise<{ body?: { toMap(): Record<string, unknown> } }>,
  check: (body: Body) => void,
): Promise<Body[]> => {
  const bodies: Body[] = [];
  for (let i = 0; i < ids.length; i += PAGE_SIZE.lists) {
    const chunk = ids.slice(i, i + PAGE_SIZE.lists);
    try {
      bodies.push(
        ...(await paginate(
          ali,
          scope,
          action,
          (nextToken) => ali.call(scope, action, (client, rt) => request(client, rt, chunk, nextToken)),
          check,
        )),
      );
    } catch (error) {
      if (refusal(error) === undefined) throw error;
    }
  }
  return bodies;
};

/** How one kind of list's entries are read, and the page kinds of the answer and of a refusal. */
interface EntriesCall {
  kinds: { read: string; refused: string };
  idField: 'PrefixListId' | 'PortRangeListId';
  action: string;
  invoke: (
    client: EcsClient,
    rt: RuntimeOptions,
    region: string,
    id: string,
  ) => Promise<{ body?: { toMap(): Record<string, unknown> } }>;
  check: (body: Body) => void;
}
const PREFIX_LIST_ENTRIES: EntriesCall = {
  kinds: { read: PAGE_KINDS.prefixListAttributes, refused: PAGE_KINDS.prefixListRefused },
  idField: 'PrefixListId',
  action: 'DescribePrefixListAttributes',
  invoke: (client, rt, regionId, prefixListId) =>
    client.describePrefixListAttributesWithOptions(
      new DescribePrefixListAttributesRequest({ regionId, prefixListId }),
      rt,
    ),
  check: (body) => checkList(body, 'Entries', 'Entry'),
};
const PORT_LIST_ENTRIES: EntriesCall = {
  kinds: { read: PAGE_KINDS.portRangeListEntries, refused: PAGE_KINDS.portRangeListRefused },
  idField: 'PortRangeListId',
  action: 'DescribePortRangeListEntries',
  invoke: (client, rt, regionId, portRangeListId) =>
    client.describePortRangeListEntriesWithOptions(
      new DescribePortRangeListEntriesRequest({ regionId, portRangeListId }),
      rt,
    ),
  check: (body) => checkList(body, 'Entries'),
};

/** One list's entries page, or the refusal page that says why it cannot be read (with what the listing said of it). */
const entriesPage = async (
  ali: AlibabaClient,
  scope: Scope,
  spec: EntriesCall,
  id: string,
  hint: Body = {},
): Promise<RawPage> => {
  const what = `${spec.action} ${id}`;
  let body: Body;
  try {
    body = await ali.call(scope, what, (client, rt) => spec.invoke(client, rt, scope.region, id));
  } catch (error) {
    const refused = refusal(error);
    if (refused === undefined) throw error;
    return { kind: spec.kinds.refused, body: { ...refused, ...hint, [spec.idField]: id } };
  }
  try {
    spec.check(body);
    return { kind: spec.kinds.read, body: aboutList(body, spec.idField, id) };
  } catch (error) {
    throw ali.failure(scope, what, error);
  }
};

/** The prefix lists and port lists the scope's rules name: listed, then each one's entries. */
const setPages = async (
  ali: AlibabaClient,
  scope: Scope,
  attributeBodies: readonly Body[],
  concurrency: number,
): Promise<RawPage[]> => {
  const { prefixLists, portLists } = referencedLists(attributeBodies);
  const region = scope.region;
  const prefixListing = await listingPages(
    ali,
    scope,
    'DescribePrefixLists',
    prefixLists,
    (client, rt, chunk, nextToken) =>
      client.describePrefixListsWithOptions(
        new DescribePrefixListsRequest({
          regionId: region,
          prefixListId: chunk,
          maxResults: PAGE_SIZE.lists,
          nextToken,
        }),
        rt,
      ),
    (body) => checkList(body, 'PrefixLists', 'PrefixList'),
  );
  const portListing = await listingPages(
    ali,
    scope,
    'DescribePortRangeLists',
    portLists,
    (client, rt, chunk, nextToken) =>
      client.describePortRangeListsWithOptions(
        new DescribePortRangeListsRequest({
          regionId: region,
          portRangeListId: chunk,
          maxResults: PAGE_SIZE.lists,
          nextToken,
        }),
        rt,
      ),
    (body) => checkList(body, 'PortRangeLists'),
  );
  // What the listing says of a list (its name and family) stays with a refusal of its entries.
  const listed = new Map<string, Body>();
  for (const body of prefixListing) {
    for (const item of listAt(body, 'PrefixLists', 'PrefixList') ?? []) {
      if (isRecord(item) && typeof item.PrefixListId === 'string')
        listed.set(item.PrefixListId, { PrefixListName: item.PrefixListName, AddressFamily: item.AddressFamily });
    }
  }
  const prefixEntries = await mapLimit(prefixLists, concurrency, (id) =>
    entriesPage(ali, scope, PREFIX_LIST_ENTRIES, id, listed.get(id)),
  );
  const portEntries = await mapLimit(portLists, concurrency, (id) => entriesPage(ali, scope, PORT_LIST_ENTRIES, id));
  return [
    ...prefixListing.map((body) => ({ kind: PAGE_KINDS.prefixLists, body })),
    ...prefixEntries,
    ...portListing.map((body) => ({ kind: PAGE_KINDS.portRangeLists, body })),
    ...portEntries,
  ];
};

/**
 * Every page of the scope: groups, their rules, the lists those name, the network interfaces, the
 * instances (their public IPs), the launch templates and the Auto Scaling scaling configurations
 * (ECS and ECI).
 * Any listing that fails fails the scope.
 */
export async function readAlibabaScope(ali: AlibabaClient, scope: Scope, progress?: ReadProgress): Promise<RawPage[]> {
  const concurrency = ali.settingsOrThrow().concurrency;
  const pages: RawPage[] = [];
  const groupIds = new Set<string>();
  const report = () => progress?.({ scope, pages: pages.length, groups: groupIds.size });

  await paginate(
    ali,
    scope,
    'DescribeSecurityGroups',
    (nextToken) =>
      ali.call(scope, 'DescribeSecurityGroups', (client, rt) =>
        client.describeSecurityGroupsWithOptions(
          new DescribeSecurityGroupsRequest({ regionId: scope.region, maxResults: PAGE_SIZE.groups, nextToken }),
          rt,
        ),
      ),
    (body) => {
      for (const id of checkGroupsPage(body)) groupIds.add(id);
      pages.push({ kind: PAGE_KINDS.groups, body });
      report();
    },
  );

  const perGroup = await mapLimit([...groupIds], concurrency, (groupId) => attributePages(ali, scope, groupId, 'all'));
  for (const bodies of perGroup) {
    for (const body of bodies) pages.push({ kind: PAGE_KINDS.attribute, body });
  }
  pages.push(...(await setPages(ali, scope, perGroup.flat(), concurrency)));
  report();

  await paginate(
    ali,
    scope,
    'DescribeNetworkInterfaces',
    (nextToken) =>
      ali.call(scope, 'DescribeNetworkInterfaces', (client, rt) =>
        client.describeNetworkInterfacesWithOptions(
          new DescribeNetworkInterfacesRequest({ regionId: scope.region, maxResults: PAGE_SIZE.interfaces, nextToken }),
          rt,
        ),
      ),
    (body) => {
      checkInterfacesPage(body);
      pages.push({ kind: PAGE_KINDS.interfaces, body });
      report();
    },
  );
  pages.push(
    ...(await readInstances(ali, scope)),
    ...(await readLaunchTemplates(ali, scope, concurrency)),
    ...(await readScalingConfigurations(ali, scope)),
    ...(await readEciScalingConfigurations(ali, scope)),
  );
  report();
  return pages;
}
