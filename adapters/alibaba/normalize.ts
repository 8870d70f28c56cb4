// Alibaba Cloud ECS response bodies → the shared rule model.
//
// Reads the PascalCase JSON of DescribeSecurityGroups, DescribeSecurityGroupAttribute and
// DescribeNetworkInterfaces, as the OpenAPI returns it and as `body.toMap()` of
// @alicloud/ecs20140526 7.x gives it. Semantics from Alibaba Cloud ECS "Security group overview"
// (Policy accept/drop, Priority 1–100, default rules 110) and "ECS security group configurations".
import { canonicalCidr, parseCidr } from '../../src/model/address.ts';
import { derivedId } from '../../src/model/ids.ts';
import { emptyPageResult, showValue, unparseableRecord, unreadableRule } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { GroupInfo, PageContext, PageKind, PageResult, RuleFragment, Scope } from '../../src/model/page.ts';
import { alibabaSetPageKinds } from './sets.ts';
import { alibabaInterface } from './interfaces.ts';
import { alibabaInstancePageKinds } from './instances.ts';
import { alibabaLaunchTemplatePageKinds } from './launch-templates.ts';
import { alibabaEciScalingConfigurationPageKinds } from './eci-scaling-configurations.ts';
import { alibabaScalingConfigurationPageKinds } from './scaling-configurations.ts';
import { ALL_PORTS, MAX_PORT, hasPorts, parseProtocol } from '../../src/model/protocol.ts';
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

const PROVIDER = 'alibaba';
const RULE_ID_PREFIX = 'ali';

/** Thrown by the readers below and caught per record: its message becomes the unparseable reason. */
class Unreadable extends Error {}

type Where = { groupId?: string; groupName?: string; ruleId?: string; standsFor?: UnreadableRule };

// ---------------------------------------------------------------------------------------------
// Small value readers

/** A non-empty (trimmed) string, or undefined: the API sends '' for fields that do not apply. */
function present(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

const show = showValue;

function reasonOf(error: unknown): string {
  if (error instanceof Unreadable) return error.message;
  return `internal error while reading: ${error instanceof Error ? error.message : show(error)}`;
}

/** `value` lowercased if it is one of `choices` (any case); undefined when absent; Unreadable otherwise. */
function optionalChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T | undefined {
  if (isAbsent(value)) return undefined;
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const choice = choices.find((c) => c === lower);
  if (choice === undefined) throw new Unreadable(`${field} ${show(value)} is not ${choices.join(' or ')}`);
  return choice;
}

// ---------------------------------------------------------------------------------------------
// Reading with recovery: a failed read becomes an unparseable record, the caller goes on

interface Reader {
  ctx: PageContext;
  result: PageResult;
}

function attempt<T>(reader: Reader, where: Where, raw: unknown, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    reader.result.unparseable.push(unparseableRecord(reader.ctx, where, reasonOf(error), raw));
    return undefined;
  }
}

/** The context with the provider fixed and the region resolved: ctx.region, else the item's or page's RegionId. */
function scoped(ctx: PageContext, page: Record<string, unknown>, item?: unknown): PageContext {
  const itemRegion = isRecord(item) ? present(item.RegionId) : undefined;
  return { ...ctx, provider: PROVIDER, region: ctx.region || itemRegion || present(page.RegionId) || '' };
}

/** Runs a normalizer so that nothing escapes: an unexpected error becomes one unparseable record. */
function safely(
  normalizer: (page: unknown, ctx: PageContext) => PageResult,
  page: unknown,
  ctx: PageContext,
): PageResult {
  try {
    return normalizer(page, ctx);
  } catch (error) {
    const result = emptyPageResult();
    result.unparseable.push(unparseableRecord({ ...ctx, provider: PROVIDER }, {}, reasonOf(error), page));
    return result;
  }
}

function wrongShape(ctx: PageContext, page: unknown, call: string, expected: string): PageResult {
  const result = emptyPageResult();
  const reason = `not a ${call} response: ${expected} is missing`;
  result.unparseable.push(unparseableRecord({ ...ctx, provider: PROVIDER }, {}, reason, page));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Groups

function groupBase(item: unknown, ctx: PageContext): GroupInfo {
  if (!isRecord(item)) throw new Unreadable(`security group entry ${show(item)} is not an object`);
  const id = present(item.SecurityGroupId);
  if (id === undefined)
    throw new Unreadable(`security group has no SecurityGroupId (got ${show(item.SecurityGroupId)})`);
  return {
    provider: PROVIDER,
    account: ctx.account,
    region: ctx.region,
    vpcId: stringOrEmpty(item.VpcId),
    id,
    name: stringOrEmpty(item.SecurityGroupName),
    description: stringOrEmpty(item.Description),
  };
}

function groupWhere(group: GroupInfo): Where {
  return { groupId: group.id, groupName: group.name };
}

/**
 * One DescribeSecurityGroups entry. An unreadable SecurityGroupType leaves the type unset (and is
 * reported); optional fields are omitted rather than set to undefined, because pages are merged
 * with Object.assign and an undefined would erase what another page read.
 */
function listedGroup(item: unknown, reader: Reader): GroupInfo {
  const group = groupBase(item, reader.ctx);
  const rawType = isRecord(item) ? item.SecurityGroupType : undefined;
  const groupType = attempt(reader, groupWhere(group), item, () =>
    optionalChoice(rawType, 'SecurityGroupType', ['normal', 'enterprise'] as const),
  );
  return groupType === undefined ? group : { ...group, groupType };
}

function normalizeSecurityGroups(page: unknown, ctx: PageContext): PageResult {
  if (!isSecurityGroupsPage(page))
    return wrongShape(ctx, page, 'DescribeSecurityGroups', 'SecurityGroups.SecurityGroup');
  const reader: Reader = { ctx: scoped(ctx, page), result: emptyPageResult() };
  for (const item of page.SecurityGroups.SecurityGroup) {
    const group = attempt(reader, {}, item, () => listedGroup(item, reader));
    if (group) reader.result.groups.push(group);
  }
  return reader.result;
}

// ---------------------------------------------------------------------------------------------
// Rules (DescribeSecurityGroupAttribute → Permissions.Permission[])

function readDirection(value: unknown): Direction {
  const direction = optionalChoice(value, 'Direction', ['ingress', 'egress'] as const);
  if (direction === undefined) throw new Unreadable('Direction is missing');
  return direction;
}

function readAction(value: unknown): Action {
  // Alibaba's default Policy is accept.
  const policy = optionalChoice(value, 'Policy', ['accept', 'drop'] as const);
  return policy === 'drop' ? 'deny' : 'allow';
}

/** Custom rules take 1–100; Alibaba gives the rules of a default group 110, below every custom rule. */
const DEFAULT_RULE_PRIORITY = 110;

function readPriority(value: unknown, defaultGroup: boolean): number {
  if (isAbsent(value)) return 1;
  let priority = Number.NaN;
  if (typeof value === 'number') priority = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) priority = Number(value);
  if (!Number.isSafeInteger(priority) || priority < 1) {
    throw new Unreadable(`Priority ${show(value)} is not a positive integer`);
  }
  if (priority === DEFAULT_RULE_PRIORITY && defaultGroup) return priority;
  if (priority > 100) {
    throw new Unreadable(
      `Priority ${show(value)} is not within 1-100${priority === DEFAULT_RULE_PRIORITY ? ' (110 is for the rules of a default group only)' : ''}`,
    );
  }
  return priority;
}

/** The description Alibaba gives the default group it creates ("System created security group."), or the name `default`. */
function isDefaultGroup(group: GroupInfo): boolean {
  return group.description.trim() === 'System created security group.' || group.name.trim() === 'default';
}

const KNOWN_NAMES: ReadonlySet<string> = new Set(['all', 'tcp', 'udp', 'icmp', 'icmpv6', 'gre']);

function readProtocol(value: unknown): Protocol {
  // parseProtocol reads '' as "all" (Huawei); for Alibaba a missing protocol is unreadable.
  if (isAbsent(value)) throw new Unreadable('IpProtocol is missing');
  const protocol = parseProtocol(value);
  // The typeof/KNOWN_NAMES check also rejects names parseProtocol lets through from
  // Object.prototype ('constructor', '__proto__').
  if (protocol === undefined || (typeof protocol === 'string' && !KNOWN_NAMES.has(protocol))) {
    throw new Unreadable(`IpProtocol ${show(value)} is not a protocol`);
  }
  return protocol;
}

function readPorts(permission: Record<string, unknown>, protocol: Protocol): PortRange[] {
  // Alibaba has no ICMP type/code and no ports for GRE or ALL: such a rule covers the whole
  // protocol, and the API shows its PortRange as '-1/-1'.
  if (!hasPorts(protocol)) return [ALL_PORTS];
  // A port list's entries are resolved at evaluation (Rule.portList); until then, the worst case.
  if (present(permission.PortRangeListId) !== undefined) return [ALL_PORTS];
  const value = permission.PortRange;
  if (isAbsent(value)) throw new Unreadable('PortRange is missing');
  const match = typeof value === 'string' ? /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(value) : null;
  if (!match) throw new Unreadable(`PortRange ${show(value)} is not "from/to"`);
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from === -1 && to === -1) return [ALL_PORTS];
  if (from < 0 || to > MAX_PORT || from > to) {
    throw new Unreadable(`PortRange ${show(value)} is not a range within 0/${MAX_PORT}`);
  }
  return [{ from, to }];
}

interface PeerFields {
  noun: string;
  cidr: string;
  ipv6: string;
  group: string;
  owner: string;
  prefixList: string;
}

const PEER_FIELDS: Record<Direction, PeerFields> = {
  ingress: {
    noun: 'source',
    cidr: 'SourceCidrIp',
    ipv6: 'Ipv6SourceCidrIp',
    group: 'SourceGroupId',
    owner: 'SourceGroupOwnerAccount',
    prefixList: 'SourcePrefixListId',
  },
  egress: {
    noun: 'destination',
    cidr: 'DestCidrIp',
    ipv6: 'Ipv6DestCidrIp',
    group: 'DestGroupId',
    owner: 'DestGroupOwnerAccount',
    prefixList: 'DestPrefixListId',
  },
};

interface PeerAndFamily {
  peer: Peer;
  family: Family;
}

function cidrPeer(field: string, text: string, ipv6Only: boolean): PeerAndFamily {
  const block = parseCidr(text);
  const cidr = canonicalCidr(text);
  if (!block || cidr === undefined) throw new Unreadable(`${field} ${show(text)} is not a CIDR`);
  if (ipv6Only && block.family !== 'ipv6') throw new Unreadable(`${field} ${show(text)} is not an IPv6 CIDR`);
  return { peer: { kind: 'cidr', cidr }, family: block.family };
}

function readPeer(permission: Record<string, unknown>, direction: Direction, ownGroupId: string): PeerAndFamily {
  const fields = PEER_FIELDS[direction];
  const candidates = [fields.cidr, fields.ipv6, fields.group, fields.prefixList];
  const given = candidates.filter((field) => !isAbsent(permission[field]));
  const field = given[0];
  if (field === undefined) throw new Unreadable(`no ${fields.noun}: ${candidates.join(', ')} are all empty`);
  if (given.length > 1) throw new Unreadable(`several ${fields.noun}s: ${given.join(', ')}`);
  const value = permission[field];
  if (typeof value !== 'string') throw new Unreadable(`${field} ${show(value)} is not a string`);
  const text = value.trim();
  // Alibaba group authorization covers IPv4 private addresses. A prefix list's address family
  // is not on this page: the list's AddressSet declares it; the rule says IPv4 until resolved.
  if (field === fields.prefixList) return { peer: { kind: 'prefix-list', id: text }, family: 'ipv4' };
  if (field === fields.group) {
    const account = present(permission[fields.owner]);
    const peer: Peer = { kind: 'group', groupId: text, self: text === ownGroupId };
    return { peer: account === undefined ? peer : { ...peer, account }, family: 'ipv4' };
  }
  return cidrPeer(field, text, field === fields.ipv6);
}

type RuleId = { ruleId: string; derivedId: boolean };

/** The rule's provider id, or one derived from its content and group; never throws. */
function ruleIdOf(permission: unknown, groupId: string): RuleId {
  const given = isRecord(permission) ? present(permission.SecurityGroupRuleId) : undefined;
  if (given !== undefined) return { ruleId: given, derivedId: false };
  try {
    return { ruleId: derivedId(RULE_ID_PREFIX, { groupId, permission }), derivedId: true };
  } catch {
    return { ruleId: '', derivedId: true };
  }
}

function readPermission(permission: unknown, group: GroupInfo, id: RuleId): Rule {
  if (!isRecord(permission)) throw new Unreadable(`permission ${show(permission)} is not an object`);
  const direction = readDirection(permission.Direction);
  const protocol = readProtocol(permission.IpProtocol);
  const { peer, family } = readPeer(permission, direction, group.id);
  if (id.ruleId === '') throw new Unreadable('rule has no SecurityGroupRuleId and its content cannot be hashed');
  const portList = hasPorts(protocol) ? present(permission.PortRangeListId) : undefined;
  return {
    ...(portList === undefined ? {} : { portList: { id: portList } }),
    direction,
    action: readAction(permission.Policy),
    priority: readPriority(permission.Priority, isDefaultGroup(group)),
    family,
    protocol,
    ports: readPorts(permission, protocol),
    peer,
    enabled: true,
    description: stringOrEmpty(permission.Description),
    native: { ruleId: id.ruleId, derivedId: id.derivedId, raw: permission },
  };
}

function attributeGroup(page: Record<string, unknown>, reader: Reader): GroupInfo {
  const group = groupBase(page, reader.ctx);
  const policy = attempt(reader, groupWhere(group), page, () =>
    optionalChoice(page.InnerAccessPolicy, 'InnerAccessPolicy', ['accept', 'drop'] as const),
  );
  return policy === undefined ? group : { ...group, innerAccessPolicy: policy };
}

function permissionList(page: Record<string, unknown>): unknown[] {
  const list = isRecord(page.Permissions) ? page.Permissions.Permission : undefined;
  if (!Array.isArray(list))
    throw new Unreadable(`Permissions.Permission is not a list (got ${show(page.Permissions)})`);
  return list;
}

function normalizeGroupAttribute(page: unknown, ctx: PageContext): PageResult {
  if (!isRecord(page)) return wrongShape(ctx, page, 'DescribeSecurityGroupAttribute', 'the response object');
  const reader: Reader = { ctx: scoped(ctx, page), result: emptyPageResult() };
  const group = attempt(reader, {}, page, () => attributeGroup(page, reader));
  if (!group) return reader.result;
  reader.result.groups.push(group);
  const permissions = attempt(reader, groupWhere(group), page.Permissions, () => permissionList(page)) ?? [];
  for (const permission of permissions) {
    const id = ruleIdOf(permission, group.id);
    const fields = isRecord(permission) ? permission : {};
    const where = {
      ...groupWhere(group),
      ruleId: id.ruleId,
      standsFor: unreadableRule(fields.Direction, fields.Policy),
    };
    const rule = attempt(reader, where, permission, () => readPermission(permission, group, id));
    if (rule) reader.result.rules.push(ruleFragment(group, rule));
  }
  return reader.result;
}

function ruleFragment(group: GroupInfo, rule: Rule): RuleFragment {
  // DescribeSecurityGroupAttribute lists every rule of the group with its rule id.
  return {
    provider: PROVIDER,
    account: group.account,
    region: group.region,
    groupId: group.id,
    rule,
    authoritative: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Attachments (DescribeNetworkInterfaces)

/** The interface's groups (each once), or Unreadable. */
function interfaceGroupIds(item: unknown): string[] {
  if (!isRecord(item)) throw new Unreadable(`network interface entry ${show(item)} is not an object`);
  const id = present(item.NetworkInterfaceId);
  if (id === undefined)
    throw new Unreadable(`network interface has no NetworkInterfaceId (got ${show(item.NetworkInterfaceId)})`);
  const list = isRecord(item.SecurityGroupIds) ? item.SecurityGroupIds.SecurityGroupId : undefined;
  if (!Array.isArray(list)) {
    throw new Unreadable(
      `network interface ${id}: SecurityGroupIds.SecurityGroupId is not a list (got ${show(item.SecurityGroupIds)})`,
    );
  }
  // An interface carries a handful of groups: a list searched beats a set made per interface.
  const groupIds: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const value: unknown = list[i];
    const groupId = present(value);
    if (groupId === undefined)
      throw new Unreadable(`network interface ${id}: ${show(value)} is not a security group id`);
    if (!groupIds.includes(groupId)) groupIds.push(groupId);
  }
  return groupIds;
}

function normalizeNetworkInterfaces(page: unknown, ctx: PageContext): PageResult {
  if (!isNetworkInterfacesPage(page)) {
    return wrongShape(ctx, page, 'DescribeNetworkInterfaces', 'NetworkInterfaceSets.NetworkInterfaceSet');
  }
  const result: PageResult = { ...emptyPageResult(), interfaces: [] };
  const items = page.NetworkInterfaceSets.NetworkInterfaceSet;
  const scopes = new Map<string, Scope>();
  let complete = true;
  // With the region known from the snapshot, every item shares the page's context.
  const pageCtx = ctx.region ? scoped(ctx, page) : undefined;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const itemCtx = pageCtx ?? scoped(ctx, page, item);
    // No group to name here; the interface id keeps the records of different interfaces apart.
    const where = { ruleId: isRecord(item) ? (present(item.NetworkInterfaceId) ?? '') : '' };
    const groupIds = attempt({ ctx: itemCtx, result }, where, item, () => interfaceGroupIds(item));
    if (!groupIds) complete = false;
    else if (isRecord(item)) result.interfaces!.push(alibabaInterface(item, where.ruleId, groupIds, itemCtx));
    if (!scopes.has(itemCtx.region))
      scopes.set(itemCtx.region, { provider: PROVIDER, account: itemCtx.account, region: itemCtx.region });
  }
  if (items.length === 0) {
    const pageCtx = scoped(ctx, page);
    scopes.set(pageCtx.region, { provider: PROVIDER, account: pageCtx.account, region: pageCtx.region });
  }
  // With an unreadable interface the page does not show everything attached in its scope.
  if (complete) result.attachmentScopes.push(...scopes.values());
  return result;
}

// ---------------------------------------------------------------------------------------------
// Shapes and kinds

function isSecurityGroupsPage(
  page: unknown,
): page is { SecurityGroups: { SecurityGroup: unknown[] } } & Record<string, unknown> {
  return isRecord(page) && isRecord(page.SecurityGroups) && Array.isArray(page.SecurityGroups.SecurityGroup);
}

function isGroupAttributePage(page: unknown): boolean {
  return (
    isRecord(page) &&
    typeof page.SecurityGroupId === 'string' &&
    isRecord(page.Permissions) &&
    Array.isArray(page.Permissions.Permission)
  );
}

function isNetworkInterfacesPage(
  page: unknown,
): page is { NetworkInterfaceSets: { NetworkInterfaceSet: unknown[] } } & Record<string, unknown> {
  return (
    isRecord(page) &&
    isRecord(page.NetworkInterfaceSets) &&
    Array.isArray(page.NetworkInterfaceSets.NetworkInterfaceSet)
  );
}

export const alibabaPageKinds: PageKind[] = [
  {
    name: 'alibaba:DescribeSecurityGroups',
    providers: [PROVIDER],
    matches: isSecurityGroupsPage,
    normalize: (page, ctx) => safely(normalizeSecurityGroups, page, ctx),
  },
  {
    name: 'alibaba:DescribeSecurityGroupAttribute',
    providers: [PROVIDER],
    matches: isGroupAttributePage,
    normalize: (page, ctx) => safely(normalizeGroupAttribute, page, ctx),
  },
  {
    name: 'alibaba:DescribeNetworkInterfaces',
    providers: [PROVIDER],
    matches: isNetworkInterfacesPage,
    normalize: (page, ctx) => safely(normalizeNetworkInterfaces, page, ctx),
  },
  ...alibabaSetPageKinds,
  ...[
    ...alibabaInstancePageKinds,
    ...alibabaLaunchTemplatePageKinds,
    ...alibabaScalingConfigurationPageKinds,
    ...alibabaEciScalingConfigurationPageKinds,
  ].map((kind) => ({
    ...kind,
    normalize: (page: unknown, ctx: PageContext) => safely(kind.normalize, page, ctx),
  })),
];

/** Any Alibaba ECS page: read by the kind whose shape it has; a page of no known shape is reported. */
export function normalize(page: unknown, ctx: PageContext): PageResult {
  return safely(normalizeAnyPage, page, ctx);
}

function normalizeAnyPage(page: unknown, ctx: PageContext): PageResult {
  const kind = alibabaPageKinds.find((candidate) => candidate.matches(page));
  if (kind) return kind.normalize(page, ctx);
  const expected = alibabaPageKinds.map((k) => k.name).join(', ');
  const result = emptyPageResult();
  const reason = `not an Alibaba ECS response of a known kind (${expected})`;
  result.unparseable.push(unparseableRecord({ ...ctx, provider: PROVIDER }, {}, reason, page));
  return result;
}
