import { isRecord } from '../../src/lib/record.ts';
import type { RawPage, Scope } from '../../src/ports/live.ts';
import type { HuaweiClient } from './client.ts';
import { show } from './normalize.ts';
import { PORT_PAGE_KINDS } from './ports.ts';

// The Huawei reads of a project's ports (VPC v1 ListPorts) and EIPs (EIP v1 ListPublicips, served
// on the VPC endpoint), sent through the SDK's signed client: the v3 client has neither, the EIP
// API has no Node.js SDK, and the VPC v2 client (which has ListPorts) costs its whole module to
// load. Both answer with their list only, no page_info: the next page starts after the last id,
// and the listing ends with an empty page (a region may serve fewer than `limit` records per page,
// so a short page is not taken as the last).

/** Records per page asked for (ListPorts and ListPublicips: default and documented maximum 2000). */
const PAGE_LIMIT = 2000;

/** VPC "Querying Ports" (vpc_port01_0003) and EIP "Querying EIPs" (eip_api_0003). */
const LISTINGS = {
  ListPorts: { operation: 'ListPorts', url: '/v1/{project_id}/ports', key: 'ports' },
  ListPublicips: { operation: 'ListPublicips', url: '/v1/{project_id}/publicips', key: 'publicips' },
} as const;

type Operation = keyof typeof LISTINGS;

type RequestOptions = Parameters<ReturnType<HuaweiClient['rawClientFor']>['sendRequest']>[0];

function send(hw: HuaweiClient, scope: Scope, operation: Operation, marker: string | undefined): Promise<unknown> {
  const options = {
    method: 'GET',
    url: LISTINGS[operation].url,
    contentType: 'application/json',
    queryParams: { limit: PAGE_LIMIT, ...(marker === undefined ? {} : { marker }) },
    pathParams: {},
    headers: {},
    // As the generated clients set it (VpcClient.listPorts).
    responseHeaders: [''],
  };
  return hw.rawClientFor(scope).sendRequest(options as RequestOptions);
}

/** Every page of one listing, from the first page to the first empty one. */
async function listAfterLastId(hw: HuaweiClient, scope: Scope, operation: Operation): Promise<RawPage[]> {
  const key = LISTINGS[operation].key;
  const kind = PORT_PAGE_KINDS[key];
  const pages: RawPage[] = [];
  const used = new Set<string>();
  let marker: string | undefined;
  for (;;) {
    const { status, body } = await hw.call(scope, operation, 'read', () => send(hw, scope, operation, marker));
    const items = body[key];
    if (!Array.isArray(items)) throw hw.malformed(scope, operation, status, `no "${key}" list`, body);
    if (items.length === 0) {
      // The empty page ends the listing; the first one is kept, so an empty listing is still a listing.
      if (pages.length === 0) pages.push({ kind, body });
      return pages;
    }
    pages.push({ kind, body });
    const last: unknown = items[items.length - 1];
    const next = isRecord(last) ? last.id : undefined;
    if (typeof next !== 'string' || next === '')
      throw hw.malformed(scope, operation, status, `the last record has no id to continue from: ${show(last)}`, body);
    if (used.has(next))
      throw hw.malformed(scope, operation, status, `pagination does not advance: marker ${show(next)} again`, body);
    used.add(next);
    marker = next;
  }
}

/** The project's ports and its EIPs (whose binding makes a port public), each listing in full. */
export async function readHuaweiPorts(hw: HuaweiClient, scope: Scope): Promise<RawPage[]> {
  const limit = hw.limiterFor(scope.region);
  // Both listings settle before the read does, so no request outlives a failed read.
  const settled = await Promise.allSettled([
    limit(() => listAfterLastId(hw, scope, 'ListPorts')),
    limit(() => listAfterLastId(hw, scope, 'ListPublicips')),
  ]);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
}
