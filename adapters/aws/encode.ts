import type { IpPermission } from '@aws-sdk/client-ec2';
import { canonicalCidr } from '../../src/model/address.ts';
import { ALL_PORTS, hasPorts, isIcmp, protocolNumber } from '../../src/model/protocol.ts';
import type { PortRange, Rule } from '../../src/model/types.ts';

// Model → EC2: the IpPermission that AuthorizeSecurityGroupIngress/Egress (and a revoke by
// content) take for a rule. Its inverse, EC2's answer → model, is ./normalize.ts.

function permissionPorts(rule: Rule): Pick<IpPermission, 'FromPort' | 'ToPort'> {
  const range = rule.ports[0] as PortRange;
  const all = range.from === ALL_PORTS.from && range.to === ALL_PORTS.to;
  if (hasPorts(rule.protocol)) return { FromPort: range.from, ToPort: range.to };
  if (isIcmp(rule.protocol)) {
    if (all) return { FromPort: -1, ToPort: -1 };
    const type = Math.floor(range.from / 256);
    if (range.from % 256 === 0 && range.to === range.from + 255) return { FromPort: type, ToPort: -1 };
    if (range.from === range.to) return { FromPort: type, ToPort: range.from % 256 };
    throw new Error(
      `ICMP ${range.from}-${range.to} is not one type (and code): AWS takes one ICMP type and code per rule`,
    );
  }
  if (!all) throw new Error(`${String(rule.protocol)} has no ports on AWS: a rule for it covers all ports`);
  return {};
}

function ipProtocol(rule: Rule): string {
  if (rule.protocol === 'all') return '-1';
  if (rule.protocol === 'tcp' || rule.protocol === 'udp' || rule.protocol === 'icmp' || rule.protocol === 'icmpv6')
    return rule.protocol;
  return String(protocolNumber(rule.protocol));
}

/**
 * The one EC2 IpPermission that says exactly what a model rule says. AWS rules are allow-only,
 * always enabled, one port range each; anything else is refused rather than approximated.
 */
export function toIpPermission(rule: Rule, groupId: string): IpPermission {
  if (rule.action !== 'allow')
    throw new Error('AWS security groups are allow-only: a deny rule cannot be added (remove the allow instead)');
  if (!rule.enabled) throw new Error('AWS security group rules cannot be disabled: a disabled rule cannot be added');
  if (rule.ports.length !== 1) {
    throw new Error(
      `AWS takes one port range per rule; this rule has ${rule.ports.length} (${rule.ports.map((p) => `${p.from}-${p.to}`).join(', ')}): add one rule per range`,
    );
  }
  const description = rule.description ? { Description: rule.description } : {};
  const permission: IpPermission = { IpProtocol: ipProtocol(rule), ...permissionPorts(rule) };
  const peer = rule.peer;
  switch (peer.kind) {
    case 'cidr': {
      const cidr = canonicalCidr(peer.cidr) ?? peer.cidr;
      if (cidr.includes(':')) permission.Ipv6Ranges = [{ CidrIpv6: cidr, ...description }];
      else permission.IpRanges = [{ CidrIp: cidr, ...description }];
      break;
    }
    case 'group':
      permission.UserIdGroupPairs = [
        {
          GroupId: peer.self ? groupId : peer.groupId,
          ...(peer.account ? { UserId: peer.account } : {}),
          ...description,
        },
      ];
      break;
    case 'prefix-list':
      permission.PrefixListIds = [{ PrefixListId: peer.id, ...description }];
      break;
    default:
      throw new Error(`AWS rules cannot refer to an address group (${peer.id})`);
  }
  return permission;
}
