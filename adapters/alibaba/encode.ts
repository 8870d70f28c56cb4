import {
  AuthorizeSecurityGroupEgressRequestPermissions,
  AuthorizeSecurityGroupRequestPermissions,
} from '@alicloud/ecs20140526';
import { parseCidr } from '../../src/model/address.ts';
import { ALL_PORTS, MAX_PORT, hasPorts } from '../../src/model/protocol.ts';
import type { Rule } from '../../src/model/types.ts';

// Model → ECS: the Permissions entry AuthorizeSecurityGroup / AuthorizeSecurityGroupEgress take
// for a rule. Its inverse, the DescribeSecurityGroupAttribute answer → model, is ./normalize.ts.

const PROTOCOL_NAMES: Record<string, string> = {
  tcp: 'TCP',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  gre: 'GRE',
  all: 'ALL',
};

export interface PermissionFields {
  ipProtocol: string;
  /** Absent when the ports come from a port list (the API ignores PortRangeListId next to a PortRange). */
  portRange?: string;
  portRangeListId?: string;
  policy: 'accept' | 'drop';
  priority: string;
  description: string;
  cidr?: string;
  ipv6Cidr?: string;
  groupId?: string;
  groupOwnerAccount?: string;
  prefixListId?: string;
}

function isAllPorts(ports: readonly { from: number; to: number }[]): boolean {
  return ports.length === 1 && ports[0]?.from === ALL_PORTS.from && ports[0]?.to === ALL_PORTS.to;
}

/** The permission Alibaba needs for `rule`; throws for what Alibaba's rule model cannot express. */
export function permissionOf(rule: Rule): PermissionFields {
  const protocol = typeof rule.protocol === 'string' ? PROTOCOL_NAMES[rule.protocol] : undefined;
  if (protocol === undefined)
    throw new Error(`Alibaba rules take TCP, UDP, ICMP, ICMPv6, GRE or ALL, not protocol ${String(rule.protocol)}`);
  let portRange: string | undefined = '-1/-1';
  if (hasPorts(rule.protocol) && rule.portList !== undefined) {
    portRange = undefined;
  } else if (hasPorts(rule.protocol)) {
    const range = rule.ports.length === 1 ? rule.ports[0] : undefined;
    if (!range || range.from < 0 || range.to > MAX_PORT || range.from > range.to) {
      throw new Error(`an Alibaba ${protocol} rule takes exactly one port range (got ${JSON.stringify(rule.ports)})`);
    }
    // Alibaba's TCP/UDP ports are 1..65535: the model's "all ports" (0..65535) is 1/65535 there.
    portRange = `${Math.max(range.from, 1)}/${range.to}`;
    if (range.to < 1) throw new Error(`an Alibaba ${protocol} rule cannot open port 0 alone`);
  } else if (!isAllPorts(rule.ports)) {
    throw new Error(
      `an Alibaba ${protocol} rule covers the whole protocol; ports/ICMP types ${JSON.stringify(rule.ports)} cannot be expressed`,
    );
  }
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > 100) {
    throw new Error(`Alibaba rule priorities are 1..100 (got ${rule.priority})`);
  }
  if (!rule.enabled) throw new Error('Alibaba rules cannot be disabled');
  const fields: PermissionFields = {
    ipProtocol: protocol,
    ...(portRange === undefined ? { portRangeListId: rule.portList?.id } : { portRange }),
    policy: rule.action === 'deny' ? 'drop' : 'accept',
    priority: String(rule.priority),
    description: rule.description,
  };
  const peer = rule.peer;
  switch (peer.kind) {
    case 'cidr': {
      const block = parseCidr(peer.cidr);
      if (!block) throw new Error(`${peer.cidr} is not a CIDR block`);
      if (block.family !== rule.family) throw new Error(`${peer.cidr} is not an ${rule.family} block`);
      if (block.family === 'ipv6') fields.ipv6Cidr = peer.cidr;
      else fields.cidr = peer.cidr;
      break;
    }
    case 'group':
      fields.groupId = peer.groupId;
      if (peer.account !== undefined) fields.groupOwnerAccount = peer.account;
      break;
    case 'prefix-list':
      fields.prefixListId = peer.id;
      break;
    default:
      throw new Error(`Alibaba rules cannot reference a ${peer.kind}`);
  }
  return fields;
}

export function ingressPermission(p: PermissionFields): AuthorizeSecurityGroupRequestPermissions {
  return new AuthorizeSecurityGroupRequestPermissions({
    ipProtocol: p.ipProtocol,
    portRange: p.portRange,
    portRangeListId: p.portRangeListId,
    policy: p.policy,
    priority: p.priority,
    description: p.description,
    sourceCidrIp: p.cidr,
    ipv6SourceCidrIp: p.ipv6Cidr,
    sourceGroupId: p.groupId,
    sourceGroupOwnerAccount: p.groupOwnerAccount,
    sourcePrefixListId: p.prefixListId,
  });
}

export function egressPermission(p: PermissionFields): AuthorizeSecurityGroupEgressRequestPermissions {
  return new AuthorizeSecurityGroupEgressRequestPermissions({
    ipProtocol: p.ipProtocol,
    portRange: p.portRange,
    portRangeListId: p.portRangeListId,
    policy: p.policy,
    priority: p.priority,
    description: p.description,
    destCidrIp: p.cidr,
    ipv6DestCidrIp: p.ipv6Cidr,
    destGroupId: p.groupId,
    destGroupOwnerAccount: p.groupOwnerAccount,
    destPrefixListId: p.prefixListId,
  });
}
