import { parseCidr } from '../../src/model/address.ts';
import { peerKey } from '../../src/analysis/evaluate.ts';
import type { Packet } from '../../src/analysis/evaluate.ts';
import type { AddressSet, PortRange, PortSet, Rule } from '../../src/model/types.ts';

/** The sets rules may name (prefix lists, address groups, port lists), as a group carries them. */
export interface ReferenceSets {
  addressSets?: readonly AddressSet[];
  portSets?: readonly PortSet[];
}

function inCidr(cidr: string, packet: Packet): boolean {
  const block = parseCidr(cidr);
  return (
    block !== undefined && block.family === packet.space && block.lo <= packet.address && packet.address <= block.hi
  );
}

/**
 * Whether a rule's peer matches the packet's source. A set stands for its entries, each taken
 * as written (no merging); a set whose entries are unknown matches every address of its family
 * in an allow and nothing in a deny.
 */
function peerMatches(rule: Rule, packet: Packet, sets: ReferenceSets): boolean {
  const peer = rule.peer;
  if (peer.kind === 'cidr') return inCidr(peer.cidr, packet);
  if (peer.kind === 'group') return packet.space === `${rule.family}|${peerKey(peer)}`;
  const set = sets.addressSets?.find((s) => s.id === peer.id);
  if (set?.entries === undefined) return rule.action === 'allow' && packet.space === (set?.family ?? rule.family);
  return set.family === packet.space && set.entries.some((entry) => inCidr(entry, packet));
}

/** A rule's ports: its own, or its port list's; an unknown port list is every port in an allow and none in a deny. */
function portsOf(rule: Rule, sets: ReferenceSets): readonly PortRange[] {
  if (!rule.portList) return rule.ports;
  const set = sets.portSets?.find((s) => s.id === rule.portList?.id);
  if (set?.ports !== undefined) return set.ports;
  return rule.action === 'allow' ? [{ from: 0, to: 65535 }] : [];
}

/**
 * The decision for one packet by brute force, straight from the documented semantics:
 * of the rules that match, the smallest priority wins; at equal priority deny wins;
 * nothing matches → deny. Shares no code with the evaluator's region algorithm.
 */
export function referenceDecision(rules: readonly Rule[], packet: Packet, sets: ReferenceSets = {}): 'allow' | 'deny' {
  let best: Rule | undefined;
  for (const rule of rules) {
    if (!rule.enabled || rule.direction !== packet.direction) continue;
    if (rule.protocol !== 'all' && rule.protocol !== packet.protocol) continue;
    if (!portsOf(rule, sets).some((r) => r.from <= packet.port && packet.port <= r.to)) continue;
    if (!peerMatches(rule, packet, sets)) continue;
    if (!best || rule.priority < best.priority || (rule.priority === best.priority && rule.action === 'deny'))
      best = rule;
  }
  return best?.action ?? 'deny';
}
