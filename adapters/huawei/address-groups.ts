// Huawei Cloud and OTC VPC v3 IP address groups → AddressSet.
//
// - ListAddressGroup (GET /v3/{project_id}/vpc/address-groups): `address_groups[]` with id, name,
//   `ip_version` 4/6 and `ip_set` (single addresses, ranges "a-b" and CIDR blocks; huaweicloud SDK
//   model AddressGroup, VPC API v3 "Querying IP Address Groups"); `ip_extra_set[].ip` carries the
//   same entries with remarks and is read where `ip_set` is absent.
// - A refusal of ListAddressGroup (forbidden, …): the API's error body (error_code, error_msg) with
//   the address groups the project's rules name, which Warden adds (`address_groups_referenced`,
//   each with the ethertype of the rules naming it as `ip_version`). Each is unresolved with the reason.
// A range becomes the CIDR blocks covering exactly that range. Anything unreadable makes the set
// unresolved with the reason, never partial.
import { canonicalCidr, FAMILY_BITS, intervalToCidrs, parseCidr } from '../../src/model/address.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { showValue } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { AddressSet, Family } from '../../src/model/types.ts';
import { accountOf, freeText, idOf, normalizeList, readSafely, requiredText } from './normalize.ts';

export const ADDRESS_GROUP_PAGE_KINDS = {
  list: 'vpc-v3:ListAddressGroup',
  refused: 'vpc-v3:ListAddressGroup refused',
} as const;

/** The field Warden adds to a refusal page: the address groups the rules name. */
export const REFERENCED_FIELD = 'address_groups_referenced';

class Unreadable extends Error {}

function familyOf(value: unknown): Family {
  const version = typeof value === 'string' && /^\s*\d\s*$/.test(value) ? Number(value) : value;
  if (version === 4) return 'ipv4';
  if (version === 6) return 'ipv6';
  throw new Unreadable(`ip_version ${showValue(value)} is not 4 or 6`);
}

function familyName(family: Family): string {
  return family === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** One `ip_set` element as canonical CIDR blocks of `family`. */
function entryBlocks(value: unknown, family: Family): string[] {
  if (typeof value !== 'string') throw new Unreadable(`ip_set entry ${showValue(value)} is not a string`);
  const dash = value.indexOf('-');
  if (dash === -1) {
    const block = parseCidr(value);
    const cidr = canonicalCidr(value);
    if (!block || cidr === undefined)
      throw new Unreadable(`ip_set entry ${showValue(value)} is not an address, range or CIDR block`);
    if (block.family !== family) throw new Unreadable(`ip_set entry ${showValue(value)} is not ${familyName(family)}`);
    return [cidr];
  }
  const low = parseCidr(value.slice(0, dash).trim());
  const high = parseCidr(value.slice(dash + 1).trim());
  const single = (block: typeof low) =>
    block !== undefined && block.prefix === FAMILY_BITS[block.family] && !/\//.test(value);
  if (!single(low) || !single(high) || !low || !high)
    throw new Unreadable(`ip_set entry ${showValue(value)} is not a range of two addresses`);
  if (low.family !== family || high.family !== family)
    throw new Unreadable(`ip_set entry ${showValue(value)} is not ${familyName(family)}`);
  if (low.lo > high.lo) throw new Unreadable(`ip_set entry ${showValue(value)} ends before it starts`);
  return intervalToCidrs(family, low.lo, high.lo);
}

function entriesOf(raw: Record<string, unknown>, family: Family): string[] {
  let list: unknown[];
  if (Array.isArray(raw.ip_set)) list = raw.ip_set;
  else if (Array.isArray(raw.ip_extra_set))
    list = raw.ip_extra_set.map((extra) => (isRecord(extra) ? extra.ip : extra));
  else throw new Unreadable(`ip_set ${showValue(raw.ip_set)} is not a list`);
  const cidrs = new Set<string>();
  for (const value of list) for (const cidr of entryBlocks(value, family)) cidrs.add(cidr);
  return [...cidrs];
}

function baseSet(ctx: PageContext, id: string, name: string, family: Family): AddressSet {
  return {
    provider: ctx.provider,
    account: ctx.account,
    region: ctx.region,
    kind: 'address-group',
    id,
    name,
    family,
    providerManaged: false,
  };
}

/** One listed address group; unresolved (with the reason) when its entries cannot all be read. */
function readAddressGroup(value: unknown, ctx: PageContext): AddressSet {
  if (!isRecord(value)) throw new Unreadable(`address group ${showValue(value)} is not an object`);
  const id = requiredText(value, 'id');
  const name = freeText(value, 'name');
  let family: Family = 'ipv4';
  try {
    family = familyOf(value.ip_version);
    return { ...baseSet(ctx, id, name, family), entries: entriesOf(value, family) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : showValue(error);
    return { ...baseSet(ctx, id, name, family), unresolved: `address group ${id} cannot be read: ${reason}` };
  }
}

function normalizeAddressGroups(page: unknown, ctx: PageContext): PageResult {
  const sets: AddressSet[] = [];
  const result = normalizeList(page, 'address_groups', ctx, (item, path, out) => {
    const itemCtx = { ...ctx, account: accountOf(ctx, item, ['tenant_id', 'project_id']) };
    const set = readSafely(out, itemCtx, item, { path, groupId: '', ruleId: idOf(item, 'id') }, () =>
      readAddressGroup(item, itemCtx),
    );
    if (set) sets.push(set);
  });
  return { ...result, addressSets: sets };
}

function refusalReason(page: Record<string, unknown>): string {
  const status = typeof page.status === 'number' ? `HTTP ${page.status} ` : '';
  const code = typeof page.error_code === 'string' && page.error_code !== '' ? page.error_code : 'an error';
  const message = typeof page.error_msg === 'string' ? page.error_msg.replace(/\s+/g, ' ').slice(0, 200) : '';
  return `ListAddressGroup was refused: ${status}${code}${message === '' ? '' : ` (${message})`}`;
}

function normalizeRefusal(page: unknown, ctx: PageContext): PageResult {
  const sets: AddressSet[] = [];
  const result = normalizeList(page, REFERENCED_FIELD, ctx, (item, path, out) => {
    const set = readSafely(out, ctx, item, { path, groupId: '', ruleId: idOf(item, 'id') }, () => {
      const raw = isRecord(item) ? item : {};
      let family: Family = 'ipv4';
      try {
        family = familyOf(raw.ip_version);
      } catch {
        // the rules' ethertype is only a hint for an address group that cannot be read
      }
      return {
        ...baseSet(ctx, requiredText(raw, 'id'), '', family),
        unresolved: refusalReason(isRecord(page) ? page : {}),
      };
    });
    if (set) sets.push(set);
  });
  return { ...result, addressSets: sets };
}

export const addressGroupPageKinds: PageKind[] = [
  {
    name: ADDRESS_GROUP_PAGE_KINDS.list,
    providers: ['huawei', 'otc'],
    matches: (page) => isRecord(page) && Array.isArray(page.address_groups),
    normalize: normalizeAddressGroups,
  },
  {
    name: ADDRESS_GROUP_PAGE_KINDS.refused,
    providers: ['huawei', 'otc'],
    matches: (page) =>
      isRecord(page) && Array.isArray(page[REFERENCED_FIELD]) && !Object.hasOwn(page, 'address_groups'),
    normalize: normalizeRefusal,
  },
];

/** The page a refusal of ListAddressGroup is kept as: the error body and the address groups the rules name. */
export function refusalPage(
  error: { status?: number; code?: string; message: string },
  referenced: ReadonlyMap<string, Family>,
): Record<string, unknown> {
  return {
    ...(error.status === undefined ? {} : { status: error.status }),
    error_code: error.code ?? '',
    error_msg: error.message,
    [REFERENCED_FIELD]: [...referenced].map(([id, family]) => ({ id, ip_version: family === 'ipv4' ? 4 : 6 })),
  };
}

/** The address groups that VPC v3 rule pages name, with the ethertype of the first rule naming each. */
export function referencedAddressGroups(rulePages: readonly unknown[]): Map<string, Family> {
  const referenced = new Map<string, Family>();
  for (const page of rulePages) {
    const rules = isRecord(page) && Array.isArray(page.security_group_rules) ? page.security_group_rules : [];
    for (const rule of rules) {
      const id =
        isRecord(rule) && typeof rule.remote_address_group_id === 'string' ? rule.remote_address_group_id.trim() : '';
      if (id === '' || referenced.has(id)) continue;
      const ethertype = isRecord(rule) && typeof rule.ethertype === 'string' ? rule.ethertype.trim().toLowerCase() : '';
      referenced.set(id, ethertype === 'ipv6' ? 'ipv6' : 'ipv4');
    }
  }
  return referenced;
}
