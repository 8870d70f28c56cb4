// Alibaba Cloud ECS prefix lists and port lists → AddressSet / PortSet.
//
// Pages, as the OpenAPI (2014-05-26) returns them and as `body.toMap()` of @alicloud/ecs20140526
// gives them:
// - DescribePrefixLists: `PrefixLists.PrefixList[]` (PrefixListId, PrefixListName, AddressFamily);
//   no entries, so each list is a set with its name and family and `entries` undefined (unknown).
//   The entries page of the same list completes it; the two describe one set.
// - DescribePrefixListAttributes: PrefixListId, PrefixListName, AddressFamily, `Entries.Entry[].Cidr`.
// - DescribePortRangeLists: `PortRangeLists[]` (PortRangeListId, PortRangeListName); no entries.
// - DescribePortRangeListEntries: `Entries[].PortRange` ("80/80"). The response names no list, so
//   Warden adds `PortRangeListId` to the page it keeps.
// - A refusal of DescribePrefixListAttributes / DescribePortRangeListEntries (not found, forbidden,
//   another account's list): the API's error body (Code, Message, RequestId) with the list id Warden
//   adds. The set is unresolved with the provider's reason.
// A set whose entries cannot all be read is unresolved with the reason, never partial.
import { canonicalCidr, parseCidr } from '../../src/model/address.ts';
import { emptyPageResult, showValue, unparseableRecord } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { MAX_PORT, mergeRanges } from '../../src/model/protocol.ts';
import type { AddressSet, Family, PortRange, PortSet } from '../../src/model/types.ts';

const PROVIDER = 'alibaba';

export const SET_PAGE_KINDS = {
  prefixLists: 'alibaba:DescribePrefixLists',
  prefixListAttributes: 'alibaba:DescribePrefixListAttributes',
  prefixListRefused: 'alibaba:DescribePrefixListAttributes refused',
  portRangeLists: 'alibaba:DescribePortRangeLists',
  portRangeListEntries: 'alibaba:DescribePortRangeListEntries',
  portRangeListRefused: 'alibaba:DescribePortRangeListEntries refused',
} as const;

type Raw = Record<string, unknown>;

class Unreadable extends Error {}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function ctxOf(ctx: PageContext): PageContext {
  return { ...ctx, provider: PROVIDER };
}

/** `AddressFamily` IPv4/IPv6 in any case; undefined when absent; Unreadable otherwise. */
function declaredFamily(value: unknown): Family | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (lower === 'ipv4' || lower === 'ipv6') return lower;
  throw new Unreadable(`AddressFamily ${showValue(value)} is not IPv4 or IPv6`);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : showValue(error);
}

function baseSet(ctx: PageContext, id: string, name: string, family: Family): AddressSet {
  return {
    provider: PROVIDER,
    account: ctx.account,
    region: ctx.region,
    kind: 'prefix-list',
    id,
    name,
    family,
    providerManaged: false,
  };
}

/** The refusal's one-line reason: `<Code>: <Message>` as the API answered it. */
function refusalReason(page: Raw, call: string, id: string): string {
  const code = text(page.Code) ?? 'an error';
  const message = text(page.Message)?.replace(/\s+/g, ' ').slice(0, 200);
  return `${call} ${id} was refused: ${code}${message === undefined ? '' : ` (${message})`}`;
}

// ---------------------------------------------------------------------------------------------
// Prefix lists

function listedPrefixList(item: unknown, ctx: PageContext): AddressSet {
  if (!isRecord(item)) throw new Unreadable(`prefix list entry ${showValue(item)} is not an object`);
  const id = text(item.PrefixListId);
  if (id === undefined) throw new Unreadable(`prefix list has no PrefixListId (got ${showValue(item.PrefixListId)})`);
  // No entries on this page: unknown until a DescribePrefixListAttributes page (or its refusal) of the same list.
  return baseSet(ctx, id, text(item.PrefixListName) ?? '', declaredFamily(item.AddressFamily) ?? 'ipv4');
}

function normalizePrefixLists(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  const list = isRecord(page) && isRecord(page.PrefixLists) ? page.PrefixLists.PrefixList : undefined;
  if (!Array.isArray(list))
    return refused(ctx, page, 'not a DescribePrefixLists response: PrefixLists.PrefixList is missing');
  result.addressSets = [];
  for (const item of list) {
    try {
      result.addressSets.push(listedPrefixList(item, ctx));
    } catch (error) {
      result.unparseable.push(
        unparseableRecord(
          ctxOf(ctx),
          { ruleId: isRecord(item) ? (text(item.PrefixListId) ?? '') : '' },
          reasonOf(error),
          item,
        ),
      );
    }
  }
  return result;
}

/** The entries as canonical CIDR blocks of `family`; Unreadable names the first entry that is not. */
function prefixListEntries(entries: unknown, family: Family | undefined): { family: Family; cidrs: string[] } {
  const list = isRecord(entries) ? entries.Entry : undefined;
  if (!Array.isArray(list)) throw new Unreadable(`Entries.Entry is not a list (got ${showValue(entries)})`);
  const cidrs: string[] = [];
  let seen: Family | undefined = family;
  list.forEach((entry, i) => {
    const cidrText = isRecord(entry) ? entry.Cidr : undefined;
    const block = typeof cidrText === 'string' ? parseCidr(cidrText) : undefined;
    const cidr = typeof cidrText === 'string' ? canonicalCidr(cidrText) : undefined;
    if (!block || cidr === undefined)
      throw new Unreadable(`entry ${i + 1}: Cidr ${showValue(cidrText)} is not a CIDR block`);
    seen ??= block.family;
    if (block.family !== seen)
      throw new Unreadable(
        `entry ${i + 1}: Cidr ${showValue(cidrText)} is not an ${seen === 'ipv4' ? 'IPv4' : 'IPv6'} block`,
      );
    if (!cidrs.includes(cidr)) cidrs.push(cidr);
  });
  return { family: seen ?? 'ipv4', cidrs };
}

function normalizePrefixListAttributes(page: unknown, ctx: PageContext): PageResult {
  if (!isRecord(page)) return refused(ctx, page, 'not a DescribePrefixListAttributes response');
  const id = text(page.PrefixListId);
  if (id === undefined)
    return refused(
      ctx,
      page,
      `DescribePrefixListAttributes response has no PrefixListId (got ${showValue(page.PrefixListId)})`,
    );
  const name = text(page.PrefixListName) ?? '';
  let set: AddressSet;
  try {
    const declared = declaredFamily(page.AddressFamily);
    const { family, cidrs } = prefixListEntries(page.Entries, declared);
    set = { ...baseSet(ctx, id, name, family), entries: cidrs };
  } catch (error) {
    let family: Family = 'ipv4';
    try {
      family = declaredFamily(page.AddressFamily) ?? 'ipv4';
    } catch {
      // the reason below names the unreadable family
    }
    set = { ...baseSet(ctx, id, name, family), unresolved: `prefix list ${id} cannot be read: ${reasonOf(error)}` };
  }
  return { ...emptyPageResult(), addressSets: [set] };
}

function normalizePrefixListRefusal(page: unknown, ctx: PageContext): PageResult {
  const raw = isRecord(page) ? page : {};
  const id = text(raw.PrefixListId) ?? '';
  let family: Family = 'ipv4';
  try {
    family = declaredFamily(raw.AddressFamily) ?? 'ipv4';
  } catch {
    // a refusal's family is only a hint
  }
  const set = {
    ...baseSet(ctx, id, text(raw.PrefixListName) ?? '', family),
    unresolved: refusalReason(raw, 'DescribePrefixListAttributes', id),
  };
  return { ...emptyPageResult(), addressSets: [set] };
}

// ---------------------------------------------------------------------------------------------
// Port lists

function basePortSet(ctx: PageContext, id: string, name: string): PortSet {
  return { provider: PROVIDER, account: ctx.account, region: ctx.region, id, name };
}

function normalizePortRangeLists(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  const list = isRecord(page) ? page.PortRangeLists : undefined;
  if (!Array.isArray(list))
    return refused(ctx, page, 'not a DescribePortRangeLists response: PortRangeLists is missing');
  result.portSets = [];
  for (const item of list) {
    const id = isRecord(item) ? text(item.PortRangeListId) : undefined;
    if (!isRecord(item) || id === undefined) {
      result.unparseable.push(
        unparseableRecord(ctxOf(ctx), {}, `port list entry has no PortRangeListId (got ${showValue(item)})`, item),
      );
      continue;
    }
    // No entries on this page: unknown until a DescribePortRangeListEntries page (or its refusal) of the same list.
    result.portSets.push(basePortSet(ctx, id, text(item.PortRangeListName) ?? ''));
  }
  return result;
}

/** "from/to" within 1..65535, as port list entries and rules write TCP/UDP ranges. */
function portRange(value: unknown, i: number): PortRange {
  const match = typeof value === 'string' ? /^\s*(\d{1,5})\s*\/\s*(\d{1,5})\s*$/.exec(value) : null;
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1 || to > MAX_PORT || from > to)
    throw new Unreadable(`entry ${i + 1}: PortRange ${showValue(value)} is not "from/to" within 1/${MAX_PORT}`);
  return { from, to };
}

function normalizePortRangeListEntries(page: unknown, ctx: PageContext): PageResult {
  const raw = isRecord(page) ? page : {};
  const id = text(raw.PortRangeListId);
  if (id === undefined) {
    return refused(
      ctx,
      page,
      'DescribePortRangeListEntries page names no PortRangeListId (Warden adds it to the pages it writes)',
    );
  }
  let set: PortSet;
  try {
    const entries = raw.Entries;
    if (!Array.isArray(entries)) throw new Unreadable(`Entries is not a list (got ${showValue(entries)})`);
    set = {
      ...basePortSet(ctx, id, text(raw.PortRangeListName) ?? ''),
      ports: mergeRanges(entries.map((entry, i) => portRange(isRecord(entry) ? entry.PortRange : entry, i))),
    };
  } catch (error) {
    set = {
      ...basePortSet(ctx, id, text(raw.PortRangeListName) ?? ''),
      unresolved: `port list ${id} cannot be read: ${reasonOf(error)}`,
    };
  }
  return { ...emptyPageResult(), portSets: [set] };
}

function normalizePortRangeListRefusal(page: unknown, ctx: PageContext): PageResult {
  const raw = isRecord(page) ? page : {};
  const id = text(raw.PortRangeListId) ?? '';
  const set = {
    ...basePortSet(ctx, id, text(raw.PortRangeListName) ?? ''),
    unresolved: refusalReason(raw, 'DescribePortRangeListEntries', id),
  };
  return { ...emptyPageResult(), portSets: [set] };
}

// ---------------------------------------------------------------------------------------------
// Shapes and kinds

function refused(ctx: PageContext, page: unknown, reason: string): PageResult {
  const result = emptyPageResult();
  result.unparseable.push(unparseableRecord(ctxOf(ctx), {}, reason, page));
  return result;
}

function isPrefixListsPage(page: unknown): boolean {
  return isRecord(page) && isRecord(page.PrefixLists) && Array.isArray(page.PrefixLists.PrefixList);
}

function isPrefixListAttributesPage(page: unknown): boolean {
  return (
    isRecord(page) &&
    typeof page.PrefixListId === 'string' &&
    isRecord(page.Entries) &&
    Array.isArray(page.Entries.Entry)
  );
}

function isRefusal(page: unknown, idField: string): boolean {
  return (
    isRecord(page) &&
    typeof page[idField] === 'string' &&
    typeof page.Code === 'string' &&
    !Object.hasOwn(page, 'Entries')
  );
}

function isPortRangeListsPage(page: unknown): boolean {
  return isRecord(page) && Array.isArray(page.PortRangeLists);
}

function isPortRangeListEntriesPage(page: unknown): boolean {
  return isRecord(page) && typeof page.PortRangeListId === 'string' && Array.isArray(page.Entries);
}

/** Runs a normalizer so that nothing escapes: an unexpected error becomes one unparseable record. */
function safely(
  normalizer: (page: unknown, ctx: PageContext) => PageResult,
): (page: unknown, ctx: PageContext) => PageResult {
  return (page, ctx) => {
    try {
      return normalizer(page, ctxOf(ctx));
    } catch (error) {
      return refused(ctx, page, `internal error while reading: ${reasonOf(error)}`);
    }
  };
}

export const alibabaSetPageKinds: PageKind[] = [
  {
    name: SET_PAGE_KINDS.prefixLists,
    providers: [PROVIDER],
    matches: isPrefixListsPage,
    normalize: safely(normalizePrefixLists),
  },
  {
    name: SET_PAGE_KINDS.prefixListAttributes,
    providers: [PROVIDER],
    matches: isPrefixListAttributesPage,
    normalize: safely(normalizePrefixListAttributes),
  },
  {
    name: SET_PAGE_KINDS.prefixListRefused,
    providers: [PROVIDER],
    matches: (page) => isRefusal(page, 'PrefixListId'),
    normalize: safely(normalizePrefixListRefusal),
  },
  {
    name: SET_PAGE_KINDS.portRangeLists,
    providers: [PROVIDER],
    matches: isPortRangeListsPage,
    normalize: safely(normalizePortRangeLists),
  },
  {
    name: SET_PAGE_KINDS.portRangeListEntries,
    providers: [PROVIDER],
    matches: isPortRangeListEntriesPage,
    normalize: safely(normalizePortRangeListEntries),
  },
  {
    name: SET_PAGE_KINDS.portRangeListRefused,
    providers: [PROVIDER],
    matches: (page) => isRefusal(page, 'PortRangeListId'),
    normalize: safely(normalizePortRangeListRefusal),
  },
];

/** The prefix lists and port lists that DescribeSecurityGroupAttribute pages name, each once, in order. */
export function referencedLists(attributePages: readonly unknown[]): { prefixLists: string[]; portLists: string[] } {
  const prefixLists = new Set<string>();
  const portLists = new Set<string>();
  for (const page of attributePages) {
    const permissions = isRecord(page) && isRecord(page.Permissions) ? page.Permissions.Permission : undefined;
    if (!Array.isArray(permissions)) continue;
    for (const permission of permissions) {
      if (!isRecord(permission)) continue;
      for (const field of ['SourcePrefixListId', 'DestPrefixListId']) {
        const id = text(permission[field]);
        if (id !== undefined) prefixLists.add(id);
      }
      const portList = text(permission.PortRangeListId);
      if (portList !== undefined) portLists.add(portList);
    }
  }
  return { prefixLists: [...prefixLists], portLists: [...portLists] };
}
