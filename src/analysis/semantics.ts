import { ALL_PORTS } from '../model/protocol.ts';
import type { Direction, Family, Peer, Rule, SecurityGroup } from '../model/types.ts';

// Per-provider rules that no API lists but the cloud applies (DESIGN.md, "Semantics").

/** Implicit rules sit below every listed rule (Alibaba's default rules are at 110; these at 10^9). */
export const IMPLICIT_PRIORITY = 1_000_000_000;

function implicitRule(direction: Direction, family: Family, peer: Peer, id: string, why: string): Rule {
  return {
    direction,
    action: 'allow',
    priority: IMPLICIT_PRIORITY,
    family,
    protocol: 'all',
    ports: [ALL_PORTS],
    peer,
    enabled: true,
    description: why,
    native: { ruleId: `implicit:${id}`, derivedId: true, raw: null },
  };
}

export function isImplicit(rule: Rule): boolean {
  return rule.native.ruleId.startsWith('implicit:');
}

/**
 * Alibaba (ECS "Security group overview"): a group allows all outbound traffic unless a rule
 * says otherwise, and a basic group lets its own instances reach each other when
 * InnerAccessPolicy is Accept (the default for basic groups). Enterprise (advanced) groups do not.
 */
function alibabaImplicitRules(group: SecurityGroup): Rule[] {
  const rules: Rule[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const any = family === 'ipv4' ? '0.0.0.0/0' : '::/0';
    rules.push(implicitRule('egress', family, { kind: 'cidr', cidr: any }, `${family}-egress`, 'Alibaba: outbound allowed by default'));
  }
  const basic = group.groupType !== 'enterprise';
  if (basic && group.innerAccessPolicy !== 'drop') {
    rules.push(
      implicitRule('ingress', 'ipv4', { kind: 'group', groupId: group.id, self: true }, 'inner-access', 'Alibaba: InnerAccessPolicy Accept'),
    );
  }
  return rules;
}

/** The rules the cloud applies for this group: enabled listed rules plus the provider's implicit ones. */
export function appliedRules(group: SecurityGroup): Rule[] {
  const listed = group.rules.filter((rule) => rule.enabled);
  if (group.provider === 'alibaba') return [...listed, ...alibabaImplicitRules(group)];
  return listed;
}

/** AWS and OTC Neutron groups are allow-only: every rule allows, priorities are all equal. */
export function isAllowOnly(group: SecurityGroup): boolean {
  return group.provider === 'aws' || group.api === 'neutron-v2';
}
