import { ALL_PORTS } from './protocol.ts';
import type { Direction, Family, Peer, Rule } from './types.ts';

// Rules that no API lists but the cloud applies (DESIGN.md, "Semantics"); each provider's descriptor says which.

/** Implicit rules sit below every listed rule (Alibaba's default rules are at 110; these at 10^9). */
export const IMPLICIT_PRIORITY = 1_000_000_000;

export function implicitRule(direction: Direction, family: Family, peer: Peer, id: string, why: string): Rule {
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
