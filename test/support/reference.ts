import { parseCidr } from '../../src/model/address.ts';
import { peerKey } from '../../src/analysis/evaluate.ts';
import type { Packet } from '../../src/analysis/evaluate.ts';
import { appliedRules } from '../../src/analysis/semantics.ts';
import type { MultiGroup } from '../../src/model/providers/index.ts';
import type { AddressSet, PortRange, PortSet, Rule, SecurityGroup } from '../../src/model/types.ts';

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

function matches(rule: Rule, packet: Packet, sets: ReferenceSets): boolean {
  if (rule.direction !== packet.direction) return false;
  if (rule.protocol !== 'all' && rule.protocol !== packet.protocol) return false;
  if (!portsOf(rule, sets).some((r) => r.from <= packet.port && packet.port <= r.to)) return false;
  return peerMatches(rule, packet, sets);
}

/**
 * The decision for one packet by brute force, straight from the documented semantics:
 * of the rules that match, the smallest priority wins; at equal priority deny wins;
 * nothing matches → deny. Shares no code with the evaluator's region algorithm.
 */
export function referenceDecision(rules: readonly Rule[], packet: Packet, sets: ReferenceSets = {}): 'allow' | 'deny' {
  let best: Rule | undefined;
  for (const rule of rules) {
    if (!rule.enabled || !matches(rule, packet, sets)) continue;
    if (!best || rule.priority < best.priority || (rule.priority === best.priority && rule.action === 'deny'))
      best = rule;
  }
  return best?.action ?? 'deny';
}

/** What decides a packet on an interface: the decision, and the deciding rule (as its group applies it) and group. */
export interface ReferenceInterfaceResult {
  decision: 'allow' | 'deny';
  group: SecurityGroup | undefined;
  rule: Rule | undefined;
}

/** The rule as it reads beside other groups' rules: `self` is its own group, by id. */
function onInterface(rule: Rule, owner: SecurityGroup): Rule {
  if (rule.peer.kind !== 'group' || !rule.peer.self) return rule;
  return { ...rule, peer: { kind: 'group', groupId: owner.id, self: false } };
}

function matchingRules(group: SecurityGroup, packet: Packet): Rule[] {
  const sets = { addressSets: group.addressSets ?? [], portSets: group.portSets ?? [] };
  return appliedRules(group).filter((rule) => matches(onInterface(rule, group), packet, sets));
}

/** Smaller priority, then deny, then the earlier one. */
function better(a: Rule, b: Rule): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.action === 'deny' && b.action === 'allow');
}

function bestIn(candidates: readonly { rule: Rule; group: SecurityGroup }[]): ReferenceInterfaceResult {
  let best: { rule: Rule; group: SecurityGroup } | undefined;
  for (const c of candidates) if (!best || better(c.rule, best.rule)) best = c;
  return best ? { decision: best.rule.action, ...best } : { decision: 'deny', group: undefined, rule: undefined };
}

/** Groups one after another, each deciding the packets it has a matching rule for (Huawei's bind order). */
function inBindOrder(groups: readonly SecurityGroup[], packet: Packet): ReferenceInterfaceResult {
  for (const group of groups) {
    const matching = matchingRules(group, packet);
    if (matching.length > 0) return bestIn(matching.map((rule) => ({ rule, group })));
  }
  return { decision: 'deny', group: undefined, rule: undefined };
}

/** Every order of the items. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * The decision for one packet on an interface with several groups, straight from each cloud's
 * documented rule and by brute force (no regions, no priority rewriting):
 * - port security disabled (`filtering: 'disabled'`, Huawei/OTC): the groups do not take effect;
 *   every packet is allowed, decided by the port setting, so by no group and no group's rule.
 * - `union`: allowed when any group has a matching allow.
 * - `priority`: every group's applied rules together; the smallest priority wins, deny at equal priority.
 * - `bind-order`, order known: the first group with a matching rule decides, by its own best rule.
 * - `bind-order`, order unknown: every permutation is evaluated literally; the result is the most
 *   open one (the first allowing permutation in lexicographic order, else the listed order's result).
 * Where the order does not decide, ties between groups go to the smaller group id.
 */
export function referenceInterfaceDecision(
  groups: readonly SecurityGroup[],
  multiGroup: MultiGroup,
  groupOrder: 'bind' | 'unknown',
  packet: Packet,
  filtering: 'groups' | 'disabled' = 'groups',
): ReferenceInterfaceResult {
  if (filtering === 'disabled') return { decision: 'allow', group: undefined, rule: undefined };
  const byId = [...groups].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (multiGroup === 'union') {
    for (const group of byId) {
      const allow = matchingRules(group, packet).find((rule) => rule.action === 'allow');
      if (allow) return { decision: 'allow', group, rule: allow };
    }
    return { decision: 'deny', group: undefined, rule: undefined };
  }
  if (multiGroup === 'priority')
    return bestIn(byId.flatMap((group) => matchingRules(group, packet).map((rule) => ({ rule, group }))));
  if (groupOrder === 'bind') return inBindOrder(groups, packet);
  const results = permutations(byId).map((order) => inBindOrder(order, packet));
  return results.find((r) => r.decision === 'allow') ?? (results[0] as ReferenceInterfaceResult);
}
