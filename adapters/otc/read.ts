import { isRecord } from '../../src/lib/record.ts';
import type { RawPage, ReadProgress, Scope } from '../../src/ports/live.ts';
import { ADDRESS_GROUP_PAGE_KINDS, referencedAddressGroups, refusalPage } from '../huawei/address-groups.ts';
import { PORT_PAGE_KINDS } from '../huawei/ports.ts';
import { OtcApiError, OtcConfigError, scopeKey } from './client.ts';
import type { ApiCall, OtcApi, OtcClient } from './client.ts';

// The OTC reads: a project's security groups and rules through VPC v3, or Neutron v2.0 where v3
// answers 404 ('auto'), the address groups v3 rules name, and the ports and floating IPs (Neutron
// v2.0); page by page as the API answers (read by ../huawei/normalize.ts, ./neutron.ts,
// ../huawei/address-groups.ts and ../huawei/ports.ts).

/** Records per list call: the documented maximum of the v3 list APIs. */
export const PAGE_LIMIT = 2000;

export const PAGE_KIND = {
  v3Groups: 'vpc-v3:ListSecurityGroups',
  v3Rules: 'vpc-v3:ListSecurityGroupRules',
  neutronGroups: 'neutron-v2:security-groups',
  neutronRules: 'neutron-v2:security-group-rules',
} as const;

/** Each listing's body key, operation name and page kind, per API. Neutron v2.0 has no address groups. */
const LISTINGS = {
  'security-groups': {
    'vpc-v3': { key: 'security_groups', name: 'ListSecurityGroups', kind: PAGE_KIND.v3Groups },
    'neutron-v2': { key: 'security_groups', name: 'ListSecurityGroups', kind: PAGE_KIND.neutronGroups },
  },
  'security-group-rules': {
    'vpc-v3': { key: 'security_group_rules', name: 'ListSecurityGroupRules', kind: PAGE_KIND.v3Rules },
    'neutron-v2': { key: 'security_group_rules', name: 'ListSecurityGroupRules', kind: PAGE_KIND.neutronRules },
  },
  'address-groups': {
    'vpc-v3': { key: 'address_groups', name: 'ListAddressGroup', kind: ADDRESS_GROUP_PAGE_KINDS.list },
    'neutron-v2': undefined,
  },
  // Ports and floating IPs (OTC's EIPs) are read through Neutron v2.0 whichever API the groups have.
  ports: {
    'vpc-v3': undefined,
    'neutron-v2': { key: 'ports', name: 'ListPorts', kind: PORT_PAGE_KINDS.ports },
  },
  floatingips: {
    'vpc-v3': undefined,
    'neutron-v2': { key: 'floatingips', name: 'ListFloatingIps', kind: PORT_PAGE_KINDS.floatingips },
  },
} as const;

const listIn = (body: unknown, key: string, call: ApiCall, scope: Scope): unknown[] => {
  const list = isRecord(body) ? body[key] : undefined;
  if (Array.isArray(list)) return list;
  const got =
    body === undefined
      ? 'an empty body'
      : isRecord(body)
        ? `keys ${Object.keys(body).slice(0, 5).join(', ') || '(none)'}`
        : typeof body;
  throw new OtcApiError(
    `OTC ${scope.region} ${call.api} ${call.name}: the response has no "${key}" list (got ${got})`,
    { kind: 'malformed', api: call.api },
  );
};

interface Progress {
  pages: number;
  groups: number;
  report?: ReadProgress;
}

const progressed = (scope: Scope, progress: Progress, groups: number): void => {
  progress.pages++;
  progress.groups += groups;
  progress.report?.({ scope, pages: progress.pages, groups: progress.groups });
};

const repeated = (scope: Scope, call: ApiCall, marker: string): OtcApiError =>
  new OtcApiError(
    `OTC ${scope.region} ${call.api} ${call.name}: the next-page marker ${JSON.stringify(marker)} repeats; the listing does not advance`,
    {
      kind: 'malformed',
      api: call.api,
    },
  );

/** Errors of a page after the first: a 404 there is a broken listing, not a missing API. */
const midListing = new WeakSet<Error>();

/** Where the next page starts, from a page of either API; undefined at the end of the listing. */
const nextMarkerV3 = (body: unknown): string | undefined => {
  const pageInfo = isRecord(body) && isRecord(body.page_info) ? body.page_info : undefined;
  const next = pageInfo?.next_marker;
  return typeof next === 'string' && next !== '' ? next : undefined;
};

const nextMarkerNeutron = (body: unknown, list: unknown[], key: string): string | undefined => {
  if (list.length === 0) return undefined;
  const last = list[list.length - 1];
  const lastId = isRecord(last) && typeof last.id === 'string' ? last.id : undefined;
  const links = isRecord(body) ? body[`${key}_links`] : undefined;
  if (!Array.isArray(links)) return list.length >= PAGE_LIMIT ? lastId : undefined; // a full page without links: ask for the records after the last one
  // Neutron pagination: a "next" link while more remain. Only its marker is used: the request
  // goes to our endpoint, never to a host named in a response.
  const link = links.find((l) => isRecord(l) && l.rel === 'next');
  if (!isRecord(link)) return undefined;
  let fromHref: string | undefined;
  try {
    fromHref =
      typeof link.href === 'string'
        ? (new URL(link.href, 'https://x.invalid').searchParams.get('marker') ?? undefined)
        : undefined;
  } catch {
    fromHref = undefined;
  }
  return fromHref || lastId;
};

/** Every page of one listing (VPC v3 or Neutron v2.0), following its markers; a marker that repeats is an error. */
const paginate = async (
  otc: OtcClient,
  scope: Scope,
  api: OtcApi,
  resource: keyof typeof LISTINGS,
  progress: Progress,
): Promise<RawPage[]> => {
  const groups = resource === 'security-groups';
  const v3 = api === 'vpc-v3';
  const listing = LISTINGS[resource][v3 ? 'vpc-v3' : 'neutron-v2'];
  if (listing === undefined) throw new OtcConfigError(`OTC ${api} has no ${resource}`);
  const { key, name, kind } = listing;
  const pages: RawPage[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const call: ApiCall = {
      api,
      name,
      method: 'GET',
      path: v3 ? ['v3', scope.account, 'vpc', resource] : ['v2.0', resource],
      query: [['limit', String(PAGE_LIMIT)], ...(marker === undefined ? [] : [['marker', marker] as [string, string]])],
    };
    let body: unknown;
    try {
      body = await otc.callApi(scope, call);
    } catch (error) {
      // A 404 after the first page is a broken listing, not a missing API.
      if (marker !== undefined && error instanceof Error) midListing.add(error);
      throw error;
    }
    const list = listIn(body, key, call, scope);
    pages.push({ kind, body });
    progressed(scope, progress, groups ? list.length : 0);
    const next = v3 ? nextMarkerV3(body) : nextMarkerNeutron(body, list, key);
    if (next === undefined) return pages;
    if (seen.has(next)) throw repeated(scope, call, next);
    seen.add(next);
    marker = next;
  }
};

const both = async (lists: Array<Promise<RawPage[]>>): Promise<RawPage[]> => {
  const settled = await Promise.allSettled(lists);
  const failures = settled
    .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
    .map((s) => s.reason as unknown);
  if (failures.length > 0) {
    throw failures.find((e) => e instanceof OtcApiError && e.api === 'vpc-v3' && e.status === 404) ?? failures[0];
  }
  return settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
};

const readWith = (otc: OtcClient, api: OtcApi, scope: Scope, progress: Progress): Promise<RawPage[]> => {
  return both([
    paginate(otc, scope, api, 'security-groups', progress),
    paginate(otc, scope, api, 'security-group-rules', progress),
  ]);
};

/** VPC v3 is not there for the project: its first list page answered 404. */
const v3Missing = (error: unknown): boolean =>
  error instanceof OtcApiError &&
  error.api === 'vpc-v3' &&
  error.kind === 'http' &&
  error.status === 404 &&
  !midListing.has(error);

/** The API a scope uses; in 'auto' mode a one-record v3 listing decides (404: Neutron). */
export const resolveApi = async (otc: OtcClient, scope: Scope): Promise<OtcApi> => {
  const mode = otc.settings().api;
  if (mode !== 'auto') return mode;
  const known = otc.apiOfScope.get(scopeKey(scope));
  if (known) return known;
  try {
    await otc.callApi(scope, {
      api: 'vpc-v3',
      name: 'ListSecurityGroups',
      method: 'GET',
      path: ['v3', scope.account, 'vpc', 'security-groups'],
      query: [['limit', '1']],
    });
    otc.apiOfScope.set(scopeKey(scope), 'vpc-v3');
  } catch (error) {
    if (!v3Missing(error)) throw error;
    otc.apiOfScope.set(scopeKey(scope), 'neutron-v2');
  }
  return otc.apiOfScope.get(scopeKey(scope)) as OtcApi;
};

/** The scope's groups and rules, through the API the scope has. */
const readGroups = async (
  otc: OtcClient,
  scope: Scope,
  progress: Progress,
): Promise<{ api: OtcApi; pages: RawPage[] }> => {
  const mode = otc.settings().api;
  otc.checkScope(scope);
  const known = mode === 'auto' ? otc.apiOfScope.get(scopeKey(scope)) : mode;
  if (known) return { api: known, pages: await readWith(otc, known, scope, progress) };
  try {
    const pages = await readWith(otc, 'vpc-v3', scope, progress);
    otc.apiOfScope.set(scopeKey(scope), 'vpc-v3');
    return { api: 'vpc-v3', pages };
  } catch (error) {
    if (!v3Missing(error)) throw error;
    // VPC v3 is not available to this project: Neutron v2.0 (allow-only) it is.
    otc.apiOfScope.set(scopeKey(scope), 'neutron-v2');
    return { api: 'neutron-v2', pages: await readWith(otc, 'neutron-v2', scope, { ...progress, pages: 0, groups: 0 }) };
  }
};

/**
 * The project's IP address groups when its rules name any. A definitive refusal (forbidden, not
 * there) is kept as the page that says why they are unknown; the scope itself was read.
 */
const addressGroupPages = async (
  otc: OtcClient,
  scope: Scope,
  pages: readonly RawPage[],
  progress: Progress,
): Promise<RawPage[]> => {
  const referenced = referencedAddressGroups(
    pages.filter((page) => page.kind === PAGE_KIND.v3Rules).map((page) => page.body),
  );
  if (referenced.size === 0) return [];
  try {
    return await paginate(otc, scope, 'vpc-v3', 'address-groups', progress);
  } catch (error) {
    if (
      !(error instanceof OtcApiError) ||
      error.kind !== 'http' ||
      error.status === undefined ||
      error.status < 400 ||
      error.status >= 500 ||
      error.status === 429
    )
      throw error;
    return [
      {
        kind: ADDRESS_GROUP_PAGE_KINDS.refused,
        body: refusalPage(
          { status: error.status, code: error.code, message: error.providerMessage ?? error.message },
          referenced,
        ),
      },
    ];
  }
};

/** The scope's ports and floating IPs (whose binding makes a port public), each listing in full. */
const readPorts = (otc: OtcClient, scope: Scope, progress: Progress): Promise<RawPage[]> =>
  both([
    paginate(otc, scope, 'neutron-v2', 'ports', progress),
    paginate(otc, scope, 'neutron-v2', 'floatingips', progress),
  ]);

/** Every page of the scope's groups and rules, through the API it has, the address groups they name, and its ports and floating IPs. */
export async function readOtcScope(otc: OtcClient, scope: Scope, report?: ReadProgress): Promise<RawPage[]> {
  const progress: Progress = { pages: 0, groups: 0, report };
  const { api, pages } = await readGroups(otc, scope, progress);
  // Neutron v2.0 rules name no address groups (only VPC v3 has them).
  const sets = api === 'neutron-v2' ? [] : await addressGroupPages(otc, scope, pages, progress);
  return [...pages, ...sets, ...(await readPorts(otc, scope, progress))];
}
