import { ALL_PORTS } from './protocol.ts';
import type { Direction, Family, Peer, Rule } from './types.ts';

// Rules that no API lists but the cloud applies (DESIGN.md, "Semantics"); each provider's descriptor says which.

/** Implicit rules sit below every listed rule (Alibaba's default rules are at 110; these at 10^9). */
export const IMPLICIT_PRIORITY = 1_000_000_000;

/** A rule allowing all traffic of one direction and family with `peer` (every address of the family unless given). */
export function allowAllRule(
  direction: Direction,
  family: Family,
  fields: Pick<Rule, 'priority' | 'description' | 'native'> & { peer?: Peer },
): Rule {
  const { peer = { kind: 'cidr', cidr: family === 'ipv4' ? '0.0.0.0/0' : '::/0' }, ...rest } = fields;
  return { direction, action: 'allow', family, protocol: 'all', ports: [ALL_PORTS], peer, enabled: true, ...rest };
}

export function implicitRule(direction: Direction, family: Family, peer: Peer, id: string, why: string): Rule {
  return allowAllRule(direction, family, {
    peer,
    priority: IMPLICIT_PRIORITY,
    description: why,
    native: { ruleId: `implicit:${id}`, derivedId: true, raw: null },
  });
}

export function isImplicit(rule: Rule): boolean {
  return rule.native.ruleId.startsWith('implicit:');
}
