import { ALL_PORTS, hasPorts, isIcmp } from '../../src/model/protocol.ts';
import type { PortRange, Rule } from '../../src/model/types.ts';
import type { OtcApi } from './client.ts';

// Model → OTC: the CreateSecurityGroupRule bodies of VPC v3 and of Neutron v2.0 for a rule. Their
// inverses, the rule records those APIs list → model, are ../huawei/normalize.ts and ./neutron.ts.

type Raw = Record<string, unknown>;

/** A rule the API in use cannot express (a deny rule on Neutron, several port ranges on Neutron …). */
export class OtcRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtcRuleError';
  }
}

function rangeText(range: PortRange): string {
  return range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`;
}

/** TCP/UDP ranges as the APIs take them (1-65535): port 0 is no port, so 0-21 is sent as 1-21. */
function apiPortRanges(ports: readonly PortRange[]): PortRange[] {
  const ranges = ports.filter((p) => p.to > 0).map((p) => (p.from === 0 ? { from: 1, to: p.to } : p));
  if (ranges.length === 0)
    throw new OtcRuleError('a TCP/UDP rule for port 0 alone cannot be created (the APIs take ports 1-65535)');
  return ranges;
}

function isAllPorts(ports: readonly PortRange[]): boolean {
  return ports.length === 0 || ports.some((r) => r.from <= ALL_PORTS.from && r.to >= ALL_PORTS.to);
}

function protocolName(rule: Rule): string | undefined {
  if (rule.protocol === 'all') return undefined;
  return typeof rule.protocol === 'number' ? String(rule.protocol) : rule.protocol;
}

function remoteOf(rule: Rule, api: OtcApi): Raw {
  const peer = rule.peer;
  if (peer.kind === 'cidr') return { remote_ip_prefix: peer.cidr };
  if (peer.kind === 'group') return { remote_group_id: peer.groupId };
  if (peer.kind === 'address-group' && api === 'vpc-v3') return { remote_address_group_id: peer.id };
  throw new OtcRuleError(`OTC ${api} rules cannot have a ${peer.kind} remote (${peer.id})`);
}

/** The CreateSecurityGroupRule body of VPC v3: priority and action always. */
export function v3RuleBody(groupId: string, rule: Rule): Raw {
  if (!rule.enabled) throw new OtcRuleError('OTC VPC v3 rules are created enabled; a disabled rule cannot be added');
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > 100) {
    throw new OtcRuleError(`OTC VPC v3 priority must be 1-100 (got ${rule.priority})`);
  }
  const body: Raw = {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
  };
  const protocol = protocolName(rule);
  if (protocol !== undefined) body.protocol = protocol;
  if (hasPorts(rule.protocol)) {
    if (!isAllPorts(rule.ports)) body.multiport = apiPortRanges(rule.ports).map(rangeText).join(',');
  } else if (isIcmp(rule.protocol) && !isAllPorts(rule.ports)) {
    throw new OtcRuleError('OTC VPC v3 rules carry no ICMP type or code; only all ICMP can be added');
  }
  Object.assign(body, remoteOf(rule, 'vpc-v3'));
  body.action = rule.action;
  // The API reference and the SDK model type priority as a string ("1"-"100").
  body.priority = String(rule.priority);
  body.description = rule.description;
  return { security_group_rule: body };
}

/** The create-rule body of Neutron v2.0: allow-only, one port range. */
export function neutronRuleBody(groupId: string, rule: Rule): Raw {
  if (rule.action !== 'allow')
    throw new OtcRuleError('OTC Neutron security group rules are allow-only; a deny rule needs VPC v3');
  if (!rule.enabled) throw new OtcRuleError('OTC Neutron rules cannot be disabled; a disabled rule cannot be added');
  const body: Raw = {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: rule.family === 'ipv4' ? 'IPv4' : 'IPv6',
  };
  // "The string any (or integer 0) means all IP protocols" (the Neutron API reference).
  if (rule.protocol === 0)
    throw new OtcRuleError(
      'OTC Neutron reads protocol 0 as every protocol: a rule for IP protocol 0 alone cannot be created',
    );
  // Neutron reads icmp on an IPv6 rule as ipv6-icmp; every Neutron accepts that spelling.
  const protocol = rule.protocol === 'icmpv6' ? 'icmp' : protocolName(rule);
  if (protocol !== undefined) body.protocol = protocol;
  if (hasPorts(rule.protocol) && !isAllPorts(rule.ports)) {
    if (rule.ports.length > 1) {
      throw new OtcRuleError(
        `OTC Neutron rules carry one port range; ${rule.ports.map(rangeText).join(',')} needs one rule per range (or VPC v3 multiport)`,
      );
    }
    const range = apiPortRanges(rule.ports)[0] as PortRange;
    body.port_range_min = range.from;
    body.port_range_max = range.to;
  } else if (isIcmp(rule.protocol) && !isAllPorts(rule.ports)) {
    const range = rule.ports.length === 1 ? (rule.ports[0] as PortRange) : undefined;
    const type = range ? Math.floor(range.from / 256) : -1;
    if (range && range.from % 256 === 0 && range.to === range.from + 255) body.port_range_min = type;
    else if (range && range.from === range.to) {
      body.port_range_min = type;
      body.port_range_max = range.from % 256;
    } else throw new OtcRuleError('OTC Neutron ICMP rules carry one type (and optionally one code)');
  }
  Object.assign(body, remoteOf(rule, 'neutron-v2'));
  body.description = rule.description;
  return { security_group_rule: body };
}
