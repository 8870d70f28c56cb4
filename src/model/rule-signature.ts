import { ALL_PORTS, hasPorts, mergeRanges, portsLabel, protocolLabel } from './protocol.ts';
import type { Rule } from './types.ts';

// What a rule does, as comparable text: never its provider id, never its description. Templates
// compare rules by it, plans name the rules they expect by it, and findings about one rule are
// identified by it (a rule re-created with a new id is the same rule).

type RuleContent = Omit<Rule, 'native' | 'description'>;

/** The ports of a rule as text; TCP/UDP 1-65535 and 0-65535 are both "every port" (`all`). */
export function portsText(rule: Pick<Rule, 'protocol' | 'ports'>): string {
  const ranges = hasPorts(rule.protocol) ? mergeRanges(rule.ports) : [ALL_PORTS];
  return ranges.map((r) => (r.from <= 1 && r.to === 65535 ? 'all' : portsLabel(rule.protocol, r))).join(',');
}

/** Direction, action, family, protocol, ports and peer (and priority when asked); not whether it is enabled. */
export function ruleSignature<R extends Omit<RuleContent, 'enabled'>>(rule: R, withPriority: boolean): string {
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr
      : rule.peer.kind === 'group'
        ? rule.peer.self
          ? 'self'
          : `group:${rule.peer.groupId}`
        : `${rule.peer.kind}:${rule.peer.id}`;
  const parts = [rule.direction, rule.action, rule.family, protocolLabel(rule.protocol), portsText(rule), peer];
  if (withPriority) parts.push(String(rule.priority));
  return parts.join(' ');
}

/**
 * TCP/UDP port 0 is not a port anyone connects to, and the APIs take 1-65535: a range written as
 * 0-21 is created, and reads back, as 1-21. Both are the same rule.
 */
function withoutPortZero<T extends RuleContent>(rule: T): T {
  if ((rule.protocol !== 'tcp' && rule.protocol !== 'udp') || !rule.ports.some((p) => p.from === 0)) return rule;
  return { ...rule, ports: rule.ports.filter((p) => p.to > 0).map((p) => (p.from === 0 ? { from: 1, to: p.to } : p)) };
}

/** The rule's content signature: direction, action, priority, family, protocol, ports, peer and whether it is enabled. */
export function contentKey(rule: RuleContent): string {
  const signature = ruleSignature(withoutPortZero(rule), true);
  return rule.enabled ? signature : `${signature} (disabled)`;
}
