// Huawei Cloud and Open Telekom Cloud VPC v3 pages: ListSecurityGroups and ListSecurityGroupRules.
// Field names: Huawei VPC API reference v3 (vpc_apiv3_0017 and neighbours) and
// huaweicloud-sdk-go-v3 services/vpc/v3/model (SecurityGroup, SecurityGroupRule, PageInfo).
// The readers below are shared with the OTC Neutron normalizer (adapters/otc/neutron.ts).

import { canonicalCidr, parseCidr } from '../../src/model/address.ts';
import { derivedId } from '../../src/model/ids.ts';
import type { GroupInfo, PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { emptyPageResult, showValue, unparseableRecord, unreadableRule } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import { ALL_PORTS, hasPorts, MAX_PORT, mergeRanges, parseProtocol } from '../../src/model/protocol.ts';
import type {
  Action,
  Direction,
  Family,
  Peer,
  PortRange,
  Protocol,
  Rule,
  UnreadableRule,
} from '../../src/model/types.ts';

type Raw = Record<string, unknown>;

/** Thrown by the readers below; turned into an unparseable record for the one record being read. */
export class Unreadable extends Error {}

export function fail(reason: string): never {
  throw new Unreadable(reason);
}

function reasonOf(error: unknown): string {
  if (error instanceof Unreadable) return error.message;
  return `unexpected error ${show(error instanceof Error ? error.message : error)}`;
}

/** A value as it appears in a one-line reason (shared by every normalizer). */
export const show = showValue;

export function asRecord(value: unknown): Raw {
  return isRecord(value) ? value : fail(`not an object: ${show(value)}`);
}

/** A string field that may be absent: undefined, null and '' all mean absent. */
export function optionalText(raw: Raw, field: string): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  return fail(`${field} ${show(value)} is not a string`);
}

export function requiredText(raw: Raw, field: string): string {
  return optionalText(raw, field) ?? fail(`${field} ${show(raw[field])} is missing`);
}

/** Free text (names, descriptions): never a reason to reject a record. */
export function freeText(raw: Raw, field: string): string {
  const value = raw[field];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : show(value);
}

/** An integer field that may be absent (undefined or null); digit strings are accepted. */
export function optionalInteger(raw: Raw, field: string): number | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^[ \t]*-?\d{1,15}[ \t]*$/.test(value)) return Number(value);
  return fail(`${field} ${show(value)} is not an integer`);
}

/** The provider's id of a record when it has one (for unparseable records); never throws. */
export function idOf(raw: unknown, field: string): string {
  const value = isRecord(raw) ? raw[field] : undefined;
  return typeof value === 'string' ? value : '';
}

/** ctx.account, else the first project field the record carries; never throws. */
export function accountOf(ctx: PageContext, raw: unknown, fields: readonly string[]): string {
  if (ctx.account !== '' || !isRecord(raw)) return ctx.account;
  for (const field of fields) {
    const value = raw[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return '';
}

export function readDirection(raw: Raw): Direction {
  const value = raw.direction;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'ingress' || text === 'egress') return text;
  return fail(`direction ${show(value)} is not ingress or egress`);
}

/** `ethertype` IPv4/IPv6 in any case; when absent, the family of remote_ip_prefix. */
export function readFamily(raw: Raw): Family {
  const value = raw.ethertype;
  if (value === undefined || value === null || value === '') {
    const prefix = raw.remote_ip_prefix;
    const block = typeof prefix === 'string' ? parseCidr(prefix) : undefined;
    return block?.family ?? fail(`ethertype ${show(value)} is missing and remote_ip_prefix does not imply one`);
  }
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'ipv4' || text === 'ipv6') return text;
  return fail(`ethertype ${show(value)} is not IPv4 or IPv6`);
}

/** `protocol`: null, absent or '' mean any protocol (Huawei: "为空表示支持所有协议"). */
export function readProtocol(raw: Raw): Protocol {
  const value = raw.protocol;
  if (value === undefined || value === null) return 'all';
  return parseProtocol(value) ?? fail(`protocol ${show(value)} is not a protocol`);
}

export function anyAddress(family: Family): string {
  return family === 'ipv4' ? '0.0.0.0/0' : '::/0';
}

/**
 * The remote side: remote_ip_prefix, remote_group_id or remote_address_group_id (the APIs make
 * them mutually exclusive); none of them means any address of the rule's family.
 */
export function readPeer(raw: Raw, family: Family, groupId: string): Peer {
  const prefix = optionalText(raw, 'remote_ip_prefix');
  const group = optionalText(raw, 'remote_group_id');
  const addressGroup = optionalText(raw, 'remote_address_group_id');
  if ((prefix !== undefined ? 1 : 0) + (group !== undefined ? 1 : 0) + (addressGroup !== undefined ? 1 : 0) > 1) {
    const present = [
      prefix === undefined ? '' : 'remote_ip_prefix',
      group === undefined ? '' : 'remote_group_id',
      addressGroup === undefined ? '' : 'remote_address_group_id',
    ].filter((name) => name !== '');
    fail(`${present.join(' and ')} are set together; a rule has one remote`);
  }
  if (group !== undefined) return { kind: 'group', groupId: group, self: group === groupId };
  if (addressGroup !== undefined) return { kind: 'address-group', id: addressGroup };
  if (prefix === undefined) return { kind: 'cidr', cidr: anyAddress(family) };
  const cidr = canonicalCidr(prefix);
  const block = cidr === undefined ? undefined : parseCidr(cidr);
  if (cidr === undefined || block === undefined) return fail(`remote_ip_prefix ${show(prefix)} is not a CIDR`);
  if (block.family !== family) {
    fail(`remote_ip_prefix ${show(prefix)} is not of ethertype ${show(raw.ethertype ?? family)}`);
  }
  return { kind: 'cidr', cidr };
}

/** `multiport`: '22', '80-90', '22,3389,8000-8080' (spaces allowed); absent or blank means all ports. */
export function readMultiport(value: unknown): PortRange[] {
  if (value === undefined || value === null) return [ALL_PORTS];
  if (typeof value === 'number') return readMultiport(String(value));
  if (typeof value !== 'string') return fail(`multiport ${show(value)} is not a string`);
  if (value.trim() === '') return [ALL_PORTS];
  const ranges = value.split(',').map((part) => {
    const match = /^[ \t]*(\d{1,5})[ \t]*(?:-[ \t]*(\d{1,5})[ \t]*)?$/.exec(part);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from > to || to > MAX_PORT) fail(`multiport ${show(value)} has an invalid port or range`);
    return { from, to };
  });
  return mergeRanges(ranges);
}

/** VPC v3 rule priorities are 1–100 (1 highest); absent means 1. */
function readPriority(raw: Raw): number {
  const priority = optionalInteger(raw, 'priority') ?? 1;
  if (priority < 1 || priority > 100) fail(`priority ${show(raw.priority)} is not within 1-100`);
  return priority;
}

function readAction(raw: Raw): Action {
  const value = raw.action;
  if (value === undefined || value === null || value === '') return 'allow';
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'allow' || text === 'deny') return text;
  return fail(`action ${show(value)} is not allow or deny`);
}

/** A true/false field whose absence (undefined or null) means true; "true"/"false" strings are accepted. */
export function flagOnByDefault(raw: Raw, field: string): boolean {
  const value = raw[field];
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  return fail(`${field} ${show(value)} is not true or false`);
}

export function nativeRef(raw: Raw, idPrefix: string): Rule['native'] {
  const id = raw.id;
  if (typeof id === 'string' && id !== '') return { ruleId: id, derivedId: false, raw };
  return { ruleId: derivedId(idPrefix, raw), derivedId: true, raw };
}

export interface ReadRule {
  groupId: string;
  rule: Rule;
}

/** One VPC v3 SecurityGroupRule. `groupId` is the enclosing group's when the rule is nested in one. */
export function readV3Rule(value: unknown, groupId?: string): ReadRule {
  const raw = asRecord(value);
  const gid = groupId ?? requiredText(raw, 'security_group_id');
  const direction = readDirection(raw);
  const family = readFamily(raw);
  const protocol = readProtocol(raw);
  if ((protocol === 'icmp' && family === 'ipv6') || (protocol === 'icmpv6' && family === 'ipv4')) {
    fail(`protocol ${show(raw.protocol)} does not fit ethertype ${show(raw.ethertype)}`);
  }
  const ports = hasPorts(protocol) ? readMultiport(raw.multiport) : [ALL_PORTS];
  const rule: Rule = {
    direction,
    action: readAction(raw),
    priority: readPriority(raw),
    family,
    protocol,
    ports,
    peer: readPeer(raw, family, gid),
    enabled: flagOnByDefault(raw, 'enabled'),
    description: freeText(raw, 'description'),
    native: nativeRef(raw, 'hw'),
  };
  return { groupId: gid, rule };
}

/** A group record of either API (VPC v3 and Neutron groups carry the same fields; neither has a VPC). */
export function readGroupRecord(value: unknown, ctx: PageContext, api: 'vpc-v3' | 'neutron-v2'): GroupInfo {
  const raw = asRecord(value);
  return {
    provider: ctx.provider,
    account: ctx.account,
    region: ctx.region,
    vpcId: '',
    id: requiredText(raw, 'id'),
    name: freeText(raw, 'name'),
    description: freeText(raw, 'description'),
    api,
  };
}

/** Where a record sits in its page, for unparseable records. */
export interface Place {
  path: string;
  groupId: string;
  groupName?: string;
  ruleId?: string;
  /** Set for a rule record: what of it reads, for the worst-case evaluation of an unreadable rule. */
  standsFor?: UnreadableRule;
}

/** Runs one record's reader; a failure becomes an unparseable record and `undefined`. */
export function readSafely<T>(
  out: PageResult,
  ctx: PageContext,
  raw: unknown,
  place: Place,
  read: () => T,
): T | undefined {
  try {
    return read();
  } catch (error) {
    out.unparseable.push(unparseableRecord(ctx, place, `${place.path}: ${reasonOf(error)}`, raw));
    return undefined;
  }
}

/** Reads one rule into a fragment, or an unparseable record. */
export function readRuleInto(
  out: PageResult,
  ctx: PageContext,
  raw: unknown,
  path: string,
  reader: (raw: unknown, groupId?: string) => ReadRule,
  enclosingGroupId?: string,
): void {
  const fields = isRecord(raw) ? raw : {};
  const place = {
    path,
    groupId: enclosingGroupId ?? idOf(raw, 'security_group_id'),
    ruleId: idOf(raw, 'id'),
    standsFor: unreadableRule(fields.direction, fields.action),
  };
  const read = readSafely(out, ctx, raw, place, () => reader(raw, enclosingGroupId));
  if (read) {
    out.rules.push({
      provider: ctx.provider,
      account: ctx.account,
      region: ctx.region,
      groupId: read.groupId,
      rule: read.rule,
      authoritative: true,
    });
  }
}

/** Rules nested in a group record: the enclosing group's id and account win over the rule's own. */
export function readNestedRules(
  out: PageResult,
  groupCtx: PageContext,
  group: unknown,
  rules: readonly unknown[],
  groupPath: string,
  reader: (raw: unknown, groupId?: string) => ReadRule,
): void {
  const enclosingId = idOf(group, 'id') || undefined;
  for (let index = 0; index < rules.length; index++) {
    const raw = rules[index];
    readRuleInto(out, groupCtx, raw, `${groupPath}.security_group_rules[${index}]`, reader, enclosingId);
  }
}

/** Calls `each` for every item of the page's `key` array (holes included); never throws. */
export function normalizeList(
  page: unknown,
  key: string,
  ctx: PageContext,
  each: (item: unknown, path: string, out: PageResult) => void,
): PageResult {
  const out = emptyPageResult();
  try {
    if (!isRecord(page)) fail(`page is not an object: ${show(page)}`);
    const list = page[key];
    if (!Array.isArray(list)) fail(`${key} ${show(list)} is not an array`);
    for (let index = 0; index < list.length; index++) {
      const item: unknown = list[index];
      const path = `${key}[${index}]`;
      readSafely(out, ctx, item, { path, groupId: '' }, () => each(item, path, out));
    }
  } catch (error) {
    out.unparseable.push(unparseableRecord(ctx, {}, reasonOf(error), page));
  }
  return out;
}

/** Rule-record fields only VPC v3 has (the Neutron rule object has none of them). */
export const V3_RULE_FIELDS = ['multiport', 'action', 'priority'] as const;

export function hasV3RuleFields(item: unknown): boolean {
  return isRecord(item) && V3_RULE_FIELDS.some((field) => Object.hasOwn(item, field));
}

/** An object page with a `key` array and without `other` (the groups and rules lists never share a page). */
export function listOf(page: unknown, key: string, other: string): unknown[] | undefined {
  if (!isRecord(page) || Object.hasOwn(page, other)) return undefined;
  const list = page[key];
  return Array.isArray(list) ? list : undefined;
}

export const vpcV3PageKinds: PageKind[] = [
  {
    name: 'vpc-v3:ListSecurityGroups',
    providers: ['huawei', 'otc'],
    matches(page) {
      const list = listOf(page, 'security_groups', 'security_group_rules');
      return list !== undefined && !list.some((item) => isRecord(item) && Object.hasOwn(item, 'security_group_rules'));
    },
    normalize(page, ctx) {
      return normalizeList(page, 'security_groups', ctx, (item, path, out) => {
        const groupCtx = { ...ctx, account: accountOf(ctx, item, ['project_id']) };
        const place = { path, groupId: idOf(item, 'id'), groupName: idOf(item, 'name') };
        const info = readSafely(out, groupCtx, item, place, () => readGroupRecord(item, groupCtx, 'vpc-v3'));
        if (info) out.groups.push(info);
        // ListSecurityGroups carries no rules; ShowSecurityGroup's v3 shape does, so read them if present.
        const nested = isRecord(item) ? item.security_group_rules : undefined;
        if (Array.isArray(nested)) readNestedRules(out, groupCtx, item, nested, path, readV3Rule);
      });
    },
  },
  {
    name: 'vpc-v3:ListSecurityGroupRules',
    providers: ['huawei', 'otc'],
    matches(page) {
      const list = listOf(page, 'security_group_rules', 'security_groups');
      return list !== undefined && (list.length === 0 || list.some(hasV3RuleFields));
    },
    normalize(page, ctx) {
      return normalizeList(page, 'security_group_rules', ctx, (item, path, out) => {
        readRuleInto(out, { ...ctx, account: accountOf(ctx, item, ['project_id']) }, item, path, readV3Rule);
      });
    },
  },
];
