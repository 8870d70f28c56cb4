import { CreateSecurityGroupRuleOption } from '@huaweicloud/huaweicloud-sdk-vpc/v3/public-api.js';
import { ALL_PORTS, hasPorts, isIcmp, MAX_PORT, mergeRanges } from '../../src/model/protocol.ts';
import type { Rule } from '../../src/model/types.ts';
import { show } from './normalize.ts';

// Model → VPC v3: the CreateSecurityGroupRuleOption for a rule. Its inverse, the rule records of
// ListSecurityGroupRules / CreateSecurityGroupRule → model, is ./normalize.ts.

/** `multiport` for TCP/UDP: '22', '80-90,443'; undefined for all ports. */
function multiport(rule: Rule): string | undefined {
  const ranges = mergeRanges(rule.ports);
  // An empty multiport means all ports to the API: never send one for an empty port set.
  if (ranges.length === 0)
    throw new Error('huawei: a rule without ports cannot be expressed (an empty multiport means all ports)');
  const first = ranges[0];
  if (ranges.length === 1 && first && first.from <= 1 && first.to === MAX_PORT) return undefined;
  return ranges
    .map(({ from, to }) => {
      const low = Math.max(from, 1);
      if (low > to) throw new Error(`huawei: port 0 cannot be expressed in a VPC v3 rule (multiport is 1-65535)`);
      return low === to ? `${low}` : `${low}-${to}`;
    })
    .join(',');
}

function protocolField(rule: Rule): string | undefined {
  // "icmp、tcp、udp、icmpv6、IP协议号(0~255)(如gre协议号为47)。为空表示支持所有协议" (VPC API v3).
  if (rule.protocol === 'all') return undefined;
  if (rule.protocol === 'gre') return '47';
  return String(rule.protocol);
}

/** The API's CreateSecurityGroupRuleOption for a rule of the model; action and priority always sent. */
export function createOption(groupId: string, rule: Rule): CreateSecurityGroupRuleOption {
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > 100) {
    throw new Error(`huawei: priority ${show(rule.priority)} is outside 1-100`);
  }
  if (
    isIcmp(rule.protocol) &&
    !(rule.ports.length === 1 && rule.ports[0]?.from === ALL_PORTS.from && rule.ports[0]?.to === ALL_PORTS.to)
  ) {
    throw new Error('huawei: a VPC v3 rule cannot select ICMP types or codes; only all of ICMP');
  }
  const option = new CreateSecurityGroupRuleOption(groupId, rule.direction)
    .withEthertype(rule.family === 'ipv4' ? 'IPv4' : 'IPv6')
    .withAction(rule.action)
    // The SDK model and the API take priority as a string ("1"-"100").
    .withPriority(String(rule.priority))
    .withDescription(rule.description);
  const protocol = protocolField(rule);
  if (protocol !== undefined) option.withProtocol(protocol);
  const ports = hasPorts(rule.protocol) ? multiport(rule) : undefined;
  if (ports !== undefined) option.withMultiport(ports);
  const peer = rule.peer;
  if (peer.kind === 'cidr') option.withRemoteIpPrefix(peer.cidr);
  else if (peer.kind === 'group') option.withRemoteGroupId(peer.self ? groupId : peer.groupId);
  else if (peer.kind === 'address-group') option.withRemoteAddressGroupId(peer.id);
  else throw new Error(`huawei: a VPC v3 rule cannot refer to an AWS prefix list (${peer.id})`);
  if (!rule.enabled) option.withEnabled(false);
  return option;
}
