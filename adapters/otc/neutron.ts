// Open Telekom Cloud Neutron v2.0 pages: GET /v2.0/security-groups (rules nested in each group)
// and GET /v2.0/security-group-rules. Field names and protocol spellings: OpenStack networking
// API reference (neutron-lib api-ref samples security-groups-list-response.json and
// security-group-rules-list-response.json; neutron_lib.constants IP_PROTOCOL_MAP).
// Neutron rules are allow-only and unordered: every rule reads as allow at priority 1.

import type { PageKind } from '../../src/model/page.ts';
import { isRecord } from '../../src/lib/record.ts';
import { ALL_PORTS, hasPorts, icmpRange, isIcmp, MAX_PORT, parseProtocol } from '../../src/model/protocol.ts';
import type { Family, PortRange, Protocol, Rule } from '../../src/model/types.ts';
import type { ReadRule } from '../huawei/normalize.ts';
import {
  accountOf,
  asRecord,
  fail,
  freeText,
  hasV3RuleFields,
  idOf,
  listOf,
  nativeRef,
  normalizeList,
  optionalInteger,
  readDirection,
  readFamily,
  readGroupRecord,
  readNestedRules,
  readPeer,
  readRuleInto,
  readSafely,
  requiredText,
  show,
} from '../huawei/normalize.ts';

type Raw = Record<string, unknown>;

const ACCOUNT_FIELDS = ['project_id', 'tenant_id'] as const;

/** Neutron protocol names that parseProtocol does not know (neutron_lib.constants IP_PROTOCOL_MAP). */
const NEUTRON_PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  hopopt: 0,
  igmp: 2,
  ip: 0,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  udplite: 136,
  vrrp: 112,
};

function readNeutronProtocol(raw: Raw, family: Family): Protocol {
  const value = raw.protocol;
  if (value === undefined || value === null) return 'all';
  const name = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const known = name === undefined ? undefined : NEUTRON_PROTOCOL_NUMBERS[name];
  const protocol = parseProtocol(known ?? value) ?? fail(`protocol ${show(value)} is not a protocol`);
  // The API reference: "The string any (or integer 0) means all IP protocols."
  if (protocol === 0) return 'all';
  // Neutron rewrites icmp (name or 1) on an IPv6 rule to ipv6-icmp, and rejects ICMPv6 on IPv4.
  if (protocol === 'icmp' && family === 'ipv6') return 'icmpv6';
  if (protocol === 'icmpv6' && family === 'ipv4') fail(`protocol ${show(value)} does not fit ethertype IPv4`);
  return protocol;
}

/**
 * port_range_min/max. TCP/UDP: both null is all ports; min alone is that one port; max alone is
 * all ports, because Neutron's firewall drivers match no port without a minimum (the API rejects
 * both one-sided forms, so they only come from damaged data). ICMP: min is the type and max the
 * code, null meaning any. Other protocols have no ports in the model: all.
 */
function readNeutronPorts(raw: Raw, protocol: Protocol): PortRange[] {
  const min = optionalInteger(raw, 'port_range_min');
  const max = optionalInteger(raw, 'port_range_max');
  if (hasPorts(protocol)) {
    if (min === undefined) return [ALL_PORTS];
    const to = max ?? min;
    if (min < 0 || to > MAX_PORT || min > to) {
      fail(
        `port_range_min ${show(raw.port_range_min)} and port_range_max ${show(raw.port_range_max)} are not a port range`,
      );
    }
    return [{ from: min, to }];
  }
  if (isIcmp(protocol)) {
    // -1 is the legacy spelling of "any" (icmpRange reads negatives so).
    if (min !== undefined && (min < -1 || min > 255))
      fail(`port_range_min ${show(raw.port_range_min)} is not an ICMP type`);
    if (max !== undefined && (max < -1 || max > 255))
      fail(`port_range_max ${show(raw.port_range_max)} is not an ICMP code`);
    return [icmpRange(min, max)];
  }
  return [ALL_PORTS];
}

/** One Neutron security-group-rule object. `groupId` is the enclosing group's when nested. */
export function readNeutronRule(value: unknown, groupId?: string): ReadRule {
  const raw = asRecord(value);
  const gid = groupId ?? requiredText(raw, 'security_group_id');
  const family = readFamily(raw);
  const protocol = readNeutronProtocol(raw, family);
  const rule: Rule = {
    direction: readDirection(raw),
    action: 'allow',
    priority: 1,
    family,
    protocol,
    ports: readNeutronPorts(raw, protocol),
    peer: readPeer(raw, family, gid),
    enabled: true,
    description: freeText(raw, 'description'),
    native: nativeRef(raw, 'neutron'),
  };
  return { groupId: gid, rule };
}

function hasPortRangeFields(item: unknown): boolean {
  return isRecord(item) && (Object.hasOwn(item, 'port_range_min') || Object.hasOwn(item, 'port_range_max'));
}

export const neutronPageKinds: PageKind[] = [
  {
    name: 'neutron-v2:security-groups',
    providers: ['otc'],
    matches(page) {
      const list = listOf(page, 'security_groups', 'security_group_rules');
      return list !== undefined && list.some((item) => isRecord(item) && Array.isArray(item.security_group_rules));
    },
    normalize(page, ctx) {
      return normalizeList(page, 'security_groups', ctx, (item, path, out) => {
        const groupCtx = { ...ctx, account: accountOf(ctx, item, ACCOUNT_FIELDS) };
        const place = { path, groupId: idOf(item, 'id'), groupName: idOf(item, 'name') };
        const info = readSafely(out, groupCtx, item, place, () => readGroupRecord(item, groupCtx, 'neutron-v2'));
        if (info) out.groups.push(info);
        if (!isRecord(item)) return;
        const nested = item.security_group_rules;
        if (Array.isArray(nested)) readNestedRules(out, groupCtx, item, nested, path, readNeutronRule);
        else {
          // A group whose rules are missing is not a group without rules.
          readSafely(out, groupCtx, item, place, () =>
            fail(`security_group_rules ${show(nested)} is not an array; the group's rules are unknown`),
          );
        }
      });
    },
  },
  {
    name: 'neutron-v2:security-group-rules',
    providers: ['otc'],
    matches(page) {
      const list = listOf(page, 'security_group_rules', 'security_groups');
      return list !== undefined && !list.some(hasV3RuleFields) && list.some(hasPortRangeFields);
    },
    normalize(page, ctx) {
      return normalizeList(page, 'security_group_rules', ctx, (item, path, out) => {
        readRuleInto(out, { ...ctx, account: accountOf(ctx, item, ACCOUNT_FIELDS) }, item, path, readNeutronRule);
      });
    },
  },
];
