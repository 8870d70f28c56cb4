import { canonicalCidr, parseCidr } from '../../src/model/address.ts';
import { hashId } from '../../src/model/ids.ts';
import { EMPTY_UNCONFIRMED } from '../../src/model/sets.ts';
import { emptyPageResult, showValue, unparseableRecord, unreadableRule } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import type { GroupInfo, PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { ALL_PORTS, hasPorts, icmpRange, isIcmp, parseProtocol } from '../../src/model/protocol.ts';
import type { AddressSet, Direction, Family, Peer, PortRange, Protocol, Rule } from '../../src/model/types.ts';
import type { InterfaceAttachment, NetworkInterface, PublicAddress } from '../../src/model/network-interface.ts';
import { addPublicAddress } from '../../src/model/network-interface.ts';
import { awsGroupUsePageKinds } from './group-uses.ts';

// EC2 DescribeSecurityGroups, DescribeSecurityGroupRules, DescribeNetworkInterfaces,
// DescribeManagedPrefixLists and GetManagedPrefixListEntries bodies, PascalCase as the API (and
// `aws ec2 describe-*`) returns them. The entries body names no list, so the page that holds it
// adds the list's id: `{ "PrefixListId": "pl-…", "Entries": [...] }`.

type Raw = Record<string, unknown>;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Ports of one EC2 permission: FromPort/ToPort for TCP/UDP, type/code for ICMP, all otherwise. */
function portsOf(protocol: Protocol, fromValue: unknown, toValue: unknown): PortRange | string {
  if (!hasPorts(protocol) && !isIcmp(protocol)) return ALL_PORTS;
  const from = toInt(fromValue);
  const to = toInt(toValue);
  // A value that is there but not an integer (21.5, "22a") is unreadable, never "no value".
  const given = (value: unknown) => value !== undefined && value !== null;
  if ((given(fromValue) && from === undefined) || (given(toValue) && to === undefined)) {
    return `FromPort ${showValue(fromValue)} / ToPort ${showValue(toValue)} is not an integer`;
  }
  if (isIcmp(protocol)) {
    const valid = (v: number | undefined) => v === undefined || (v >= -1 && v <= 255);
    if (!valid(from) || !valid(to))
      return `ICMP type ${showValue(fromValue)} / code ${showValue(toValue)} is not within -1..255`;
    return icmpRange(from, to);
  }
  if (from === undefined && to === undefined) return ALL_PORTS;
  if (from === -1 && (to === -1 || to === undefined)) return ALL_PORTS;
  if (from === undefined || to === undefined)
    return `FromPort ${showValue(fromValue)} / ToPort ${showValue(toValue)} incomplete`;
  if (from < 0 || to > 65535 || from > to) return `port range ${from}-${to} is not within 0-65535`;
  return { from, to };
}

interface RuleShape {
  groupId: string;
  direction: Direction;
  protocolValue: unknown;
  fromPort: unknown;
  toPort: unknown;
  peer: Peer;
  family: Family;
  description: string;
  ruleId: string | undefined;
  raw: unknown;
}

function peerIdentity(peer: Peer): string {
  switch (peer.kind) {
    case 'cidr':
      return `cidr:${peer.cidr}`;
    case 'group':
      return `group:${peer.account ?? ''}/${peer.groupId}`;
    default:
      return `${peer.kind}:${peer.id}`;
  }
}

function buildRule(shape: RuleShape): Rule | string {
  const protocol = parseProtocol(shape.protocolValue);
  if (protocol === undefined) return `IpProtocol ${showValue(shape.protocolValue)} is not a protocol`;
  const ports = portsOf(protocol, shape.fromPort, shape.toPort);
  if (typeof ports === 'string') return ports;
  const ruleId =
    shape.ruleId ||
    `aws~${hashId([shape.groupId, shape.direction, String(protocol), `${ports.from}-${ports.to}`, peerIdentity(shape.peer)])}`;
  return {
    direction: shape.direction,
    action: 'allow',
    priority: 1,
    family: shape.family,
    protocol,
    ports: [ports],
    peer: shape.peer,
    enabled: true,
    description: shape.description,
    native: { ruleId, derivedId: !shape.ruleId, raw: shape.raw },
  };
}

function cidrPeer(value: unknown, expected: Family): { peer: Peer; family: Family } | string {
  const block = typeof value === 'string' ? parseCidr(value) : undefined;
  if (!block || block.family !== expected) return `${showValue(value)} is not an ${expected} CIDR`;
  return { peer: { kind: 'cidr', cidr: canonicalCidr(value as string) as string }, family: block.family };
}

function groupPeer(pair: Raw, ownGroupId: string, ownAccount: string): { peer: Peer; family: Family } | string {
  const groupId = text(pair['GroupId']);
  if (!groupId) return `group reference without GroupId`;
  const account = text(pair['UserId']);
  const peer: Peer = { kind: 'group', groupId, self: groupId === ownGroupId };
  if (account && account !== ownAccount) peer.account = account;
  return { peer, family: 'ipv4' };
}

function describeSecurityGroups(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  for (const item of arrayOf(isRecord(page) ? page['SecurityGroups'] : undefined)) {
    if (!isRecord(item) || !text(item['GroupId'])) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'security group without GroupId', item));
      continue;
    }
    const account = ctx.account || text(item['OwnerId']);
    const info: GroupInfo = {
      provider: 'aws',
      account,
      region: ctx.region,
      vpcId: text(item['VpcId']),
      id: text(item['GroupId']),
      name: text(item['GroupName']),
      description: text(item['Description']),
    };
    result.groups.push(info);
    const groupCtx = { ...ctx, account };
    for (const [key, direction] of [
      ['IpPermissions', 'ingress'],
      ['IpPermissionsEgress', 'egress'],
    ] as const) {
      const permissions = item[key];
      if (permissions !== undefined && !Array.isArray(permissions)) {
        result.unparseable.push(
          unparseableRecord(
            groupCtx,
            { groupId: info.id, groupName: info.name, standsFor: { direction, action: 'allow' } },
            `${key} is not a list`,
            permissions,
          ),
        );
        continue;
      }
      for (const permission of arrayOf(permissions)) {
        readPermission(permission, direction, info, groupCtx, result);
      }
    }
  }
  return result;
}

/** One IpPermission names several peers; each becomes one rule, as EC2 itself stores them. */
function readPermission(
  permission: unknown,
  direction: Direction,
  info: GroupInfo,
  ctx: PageContext,
  result: PageResult,
): void {
  const where = { groupId: info.id, groupName: info.name, standsFor: { direction, action: 'allow' as const } };
  if (!isRecord(permission)) {
    result.unparseable.push(unparseableRecord(ctx, where, 'permission is not an object', permission));
    return;
  }
  const peers: { peer: ReturnType<typeof cidrPeer>; description: string; raw: unknown }[] = [];
  for (const range of arrayOf(permission['IpRanges'])) {
    const r = isRecord(range) ? range : {};
    peers.push({ peer: cidrPeer(r['CidrIp'], 'ipv4'), description: text(r['Description']), raw: range });
  }
  for (const range of arrayOf(permission['Ipv6Ranges'])) {
    const r = isRecord(range) ? range : {};
    peers.push({ peer: cidrPeer(r['CidrIpv6'], 'ipv6'), description: text(r['Description']), raw: range });
  }
  for (const pair of arrayOf(permission['UserIdGroupPairs'])) {
    const p = isRecord(pair) ? pair : {};
    peers.push({ peer: groupPeer(p, info.id, info.account), description: text(p['Description']), raw: pair });
  }
  for (const list of arrayOf(permission['PrefixListIds'])) {
    const l = isRecord(list) ? list : {};
    const id = text(l['PrefixListId']);
    peers.push({
      peer: id ? { peer: { kind: 'prefix-list', id }, family: 'ipv4' } : 'prefix list without PrefixListId',
      description: text(l['Description']),
      raw: list,
    });
  }
  if (peers.length === 0) {
    result.unparseable.push(
      unparseableRecord(
        ctx,
        where,
        'permission names no IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds',
        permission,
      ),
    );
  }
  for (const { peer, description, raw } of peers) {
    // The permission narrowed to this one peer, as DescribeSecurityGroupRules would list it.
    const rawRule = {
      IpProtocol: permission['IpProtocol'],
      FromPort: permission['FromPort'],
      ToPort: permission['ToPort'],
      Peer: raw,
    };
    const rule =
      typeof peer === 'string'
        ? peer
        : buildRule({
            groupId: info.id,
            direction,
            protocolValue: permission['IpProtocol'],
            fromPort: permission['FromPort'],
            toPort: permission['ToPort'],
            peer: peer.peer,
            family: peer.family,
            description,
            ruleId: undefined,
            raw: rawRule,
          });
    if (typeof rule === 'string') result.unparseable.push(unparseableRecord(ctx, where, rule, rawRule));
    else
      result.rules.push({
        provider: 'aws',
        account: info.account,
        region: info.region,
        groupId: info.id,
        rule,
        authoritative: false,
      });
  }
}

function describeSecurityGroupRules(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  for (const item of arrayOf(isRecord(page) ? page['SecurityGroupRules'] : undefined)) {
    if (!isRecord(item) || !text(item['GroupId'])) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'security group rule without GroupId', item));
      continue;
    }
    const groupId = text(item['GroupId']);
    const account = ctx.account || text(item['GroupOwnerId']);
    const ruleId = text(item['SecurityGroupRuleId']) || undefined;
    const where = {
      groupId,
      ruleId: ruleId ?? '',
      standsFor: unreadableRule(
        item['IsEgress'] === true ? 'egress' : item['IsEgress'] === false ? 'ingress' : undefined,
        'allow',
      ),
    };
    const referenced = item['ReferencedGroupInfo'];
    let peer: ReturnType<typeof cidrPeer>;
    if (text(item['CidrIpv4'])) peer = cidrPeer(item['CidrIpv4'], 'ipv4');
    else if (text(item['CidrIpv6'])) peer = cidrPeer(item['CidrIpv6'], 'ipv6');
    else if (text(item['PrefixListId']))
      peer = { peer: { kind: 'prefix-list', id: text(item['PrefixListId']) }, family: 'ipv4' };
    else if (isRecord(referenced)) peer = groupPeer(referenced, groupId, account);
    else peer = 'rule has no CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo';
    if (typeof item['IsEgress'] !== 'boolean') peer = `IsEgress ${showValue(item['IsEgress'])} is not a boolean`;
    const rule =
      typeof peer === 'string'
        ? peer
        : buildRule({
            groupId,
            direction: item['IsEgress'] ? 'egress' : 'ingress',
            protocolValue: item['IpProtocol'],
            fromPort: item['FromPort'],
            toPort: item['ToPort'],
            peer: peer.peer,
            family: peer.family,
            description: text(item['Description']),
            ruleId,
            raw: item,
          });
    const scoped = { ...ctx, account };
    if (typeof rule === 'string') result.unparseable.push(unparseableRecord(scoped, where, rule, item));
    else result.rules.push({ provider: 'aws', account, region: ctx.region, groupId, rule, authoritative: true });
  }
  return result;
}

/** InterfaceType values (EC2 API reference, NetworkInterface) and what they are attached to. */
const ATTACHED_KINDS: Readonly<Record<string, InterfaceAttachment['kind']>> = {
  lambda: 'lambda',
  load_balancer: 'load-balancer',
  network_load_balancer: 'load-balancer',
  gateway_load_balancer: 'load-balancer',
  vpc_endpoint: 'endpoint',
  gateway_load_balancer_endpoint: 'endpoint',
  nat_gateway: 'nat-gateway',
};

/**
 * One ENI as the model's interface: its groups, and the public addresses associated with it (the
 * primary association, those of its secondary private addresses, and its IPv6 addresses, which are
 * global unicast on AWS). An association owned by `amazon` is an auto-assigned public IP; any other an EIP.
 */
function awsInterface(item: Record<string, unknown>, id: string, account: string, region: string): NetworkInterface {
  // Indexed loops and no closures: this runs for every interface of a fleet.
  const publicAddresses: PublicAddress[] = [];
  addAssociation(publicAddresses, item['Association']);
  const privateAddresses = arrayOf(item['PrivateIpAddresses']);
  for (let i = 0; i < privateAddresses.length; i++) {
    const privateAddress = privateAddresses[i];
    if (isRecord(privateAddress)) addAssociation(publicAddresses, privateAddress['Association']);
  }
  const ipv6Addresses = arrayOf(item['Ipv6Addresses']);
  for (let i = 0; i < ipv6Addresses.length; i++) {
    const v6 = ipv6Addresses[i];
    if (isRecord(v6)) addAddress(publicAddresses, text(v6['Ipv6Address']), 'ipv6', 'ipv6');
  }
  const groupIds: string[] = [];
  const groups = arrayOf(item['Groups']);
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i];
    const groupId = isRecord(group) ? text(group['GroupId']) : '';
    if (groupId !== '') groupIds.push(groupId);
  }
  const type = text(item['InterfaceType']);
  const attachment = item['Attachment'];
  const instanceId = isRecord(attachment) ? text(attachment['InstanceId']) : '';
  const attachedId = instanceId || text(item['RequesterId']) || text(item['Description']);
  const networkInterface: NetworkInterface = {
    provider: 'aws',
    account,
    region,
    vpcId: text(item['VpcId']),
    id,
    groupIds,
    groupOrder: 'unknown',
    publicAddresses,
  };
  if (type) networkInterface.type = type;
  if (attachedId)
    networkInterface.attachedTo = { kind: instanceId ? 'instance' : (ATTACHED_KINDS[type] ?? 'other'), id: attachedId };
  return networkInterface;
}

/** An IPv4 association's public address: one owned by `amazon` is an auto-assigned public IP, any other an EIP. */
function addAssociation(list: PublicAddress[], association: unknown): void {
  if (!isRecord(association)) return;
  const kind = text(association['IpOwnerId']) === 'amazon' ? 'public-ip' : 'eip';
  addAddress(list, text(association['PublicIp']), 'ipv4', kind);
}

function addAddress(
  list: PublicAddress[],
  address: string,
  family: PublicAddress['family'],
  kind: PublicAddress['kind'],
): void {
  if (address) addPublicAddress(list, { address, family, kind });
}

/** Whether every entry of an ENI's `Groups` names a group id. */
function everyGroupRead(groups: readonly unknown[]): boolean {
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i];
    if (!isRecord(group) || text(group['GroupId']) === '') return false;
  }
  return true;
}

/**
 * Attachments, and the scope the listing covers: the accounts of its interfaces, or the snapshot's
 * account, or (neither known) '' for the caller to key by the groups of the same document
 * (`documentAttachmentScopes`). A listing with an interface it cannot read vouches for no scope.
 */
function describeNetworkInterfaces(page: unknown, ctx: PageContext): PageResult {
  const result: PageResult = { ...emptyPageResult(), interfaces: [] };
  const accounts = new Set<string>();
  let complete = true;
  for (const item of arrayOf(isRecord(page) ? page['NetworkInterfaces'] : undefined)) {
    const id = isRecord(item) ? text(item['NetworkInterfaceId']) : '';
    if (!isRecord(item) || !id || !Array.isArray(item['Groups'])) {
      complete = false;
      continue;
    }
    const account = ctx.account || text(item['OwnerId']);
    accounts.add(account);
    const groupsRead = everyGroupRead(item['Groups']);
    // An interface with a group that does not read would be judged on fewer groups than it carries:
    // it is not listed, and the groups that do read are attached to it apart.
    if (groupsRead) {
      result.interfaces!.push(awsInterface(item, id, account, ctx.region));
      continue;
    }
    for (const group of item['Groups']) {
      const groupId = isRecord(group) ? text(group['GroupId']) : '';
      if (!groupId) {
        complete = false;
        continue;
      }
      result.attachments.push({
        provider: 'aws',
        account,
        region: ctx.region,
        groupId,
        attachment: { kind: 'network-interface', id },
      });
    }
  }
  if (accounts.size === 0) accounts.add(ctx.account);
  if (complete)
    result.attachmentScopes = [...accounts].map((account) => ({
      provider: 'aws' as const,
      account,
      region: ctx.region,
    }));
  return result;
}

function prefixListBase(ctx: PageContext, id: string): AddressSet {
  return {
    provider: 'aws',
    account: ctx.account,
    region: ctx.region,
    kind: 'prefix-list',
    id,
    name: '',
    family: 'ipv4',
    providerManaged: false,
  };
}

/** The lists themselves: name, family, owner and version; their entries come from another page. */
function describeManagedPrefixLists(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  const sets: AddressSet[] = [];
  for (const item of arrayOf(isRecord(page) ? page['PrefixLists'] : undefined)) {
    const id = isRecord(item) ? text(item['PrefixListId']) : '';
    if (!isRecord(item) || !id) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'prefix list without PrefixListId', item));
      continue;
    }
    const family = text(item['AddressFamily']);
    const version = toInt(item['Version']);
    const set: AddressSet = {
      ...prefixListBase(ctx, id),
      name: text(item['PrefixListName']),
      family: family === 'IPv6' ? 'ipv6' : 'ipv4',
      // AWS-managed lists (com.amazonaws.…) are owned by "AWS": the service's own ranges.
      providerManaged: text(item['OwnerId']) === 'AWS',
      unresolved: 'its entries were not read (GetManagedPrefixListEntries)',
    };
    if (version !== undefined) set.version = String(version);
    if (family !== 'IPv4' && family !== 'IPv6')
      set.unresolved = `AddressFamily ${showValue(item['AddressFamily'])} is neither IPv4 nor IPv6`;
    sets.push(set);
  }
  result.addressSets = sets;
  return result;
}

/**
 * One list's entries. An empty answer is what EC2 emulators give for an id they do not know, so
 * it resolves the list only together with the list's description (see `mergeAddressSets`).
 */
function managedPrefixListEntries(page: unknown, ctx: PageContext): PageResult {
  const result = emptyPageResult();
  const body: Raw = isRecord(page) ? page : {};
  const id = text(body['PrefixListId']);
  const base = prefixListBase(ctx, id);
  const error = body['Error'];
  if (isRecord(error)) {
    result.addressSets = [
      {
        ...base,
        unresolved: `${text(error['Code']) || 'Error'}: ${text(error['Message']) || 'the entries could not be read'}`,
      },
    ];
    return result;
  }
  const entries: string[] = [];
  let problem: string | undefined;
  for (const entry of arrayOf(body['Entries'])) {
    const cidr = isRecord(entry) ? canonicalCidr(text(entry['Cidr'])) : undefined;
    if (cidr === undefined) problem ??= `entry ${showValue(entry)} has no Cidr that parses`;
    else entries.push(cidr);
  }
  const families = new Set(entries.map((e) => parseCidr(e)?.family));
  if (families.size > 1) problem ??= 'its entries mix IPv4 and IPv6';
  const family: Family = families.has('ipv6') ? 'ipv6' : 'ipv4';
  if (problem) result.addressSets = [{ ...base, family, unresolved: problem }];
  else if (entries.length === 0) result.addressSets = [{ ...base, unresolved: EMPTY_UNCONFIRMED }];
  else result.addressSets = [{ ...base, family, entries }];
  return result;
}

function listOfRecords(page: unknown, key: string): boolean {
  return isRecord(page) && Array.isArray(page[key]);
}

export const awsPageKinds: PageKind[] = [
  {
    name: 'aws:DescribeSecurityGroups',
    providers: ['aws'],
    matches: (page) => listOfRecords(page, 'SecurityGroups'),
    normalize: describeSecurityGroups,
  },
  {
    name: 'aws:DescribeSecurityGroupRules',
    providers: ['aws'],
    matches: (page) => listOfRecords(page, 'SecurityGroupRules'),
    normalize: describeSecurityGroupRules,
  },
  {
    name: 'aws:DescribeNetworkInterfaces',
    providers: ['aws'],
    matches: (page) => listOfRecords(page, 'NetworkInterfaces'),
    normalize: describeNetworkInterfaces,
  },
  {
    name: 'aws:DescribeManagedPrefixLists',
    providers: ['aws'],
    matches: (page) => listOfRecords(page, 'PrefixLists'),
    normalize: describeManagedPrefixLists,
  },
  {
    name: 'aws:GetManagedPrefixListEntries',
    providers: ['aws'],
    // `Error` in place of `Entries`: the live read could not read the list (see adapters/aws/prefix-lists.ts).
    matches: (page) =>
      isRecord(page) &&
      typeof page['PrefixListId'] === 'string' &&
      (Array.isArray(page['Entries']) || isRecord(page['Error'])),
    normalize: managedPrefixListEntries,
  },
  ...awsGroupUsePageKinds,
];
