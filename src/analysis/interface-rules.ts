import type { AddressSet, Peer, PortSet, Rule, SecurityGroup } from '../model/types.ts';
import { appliedRules } from './semantics.ts';

/** Where a rule of an interface's combined policy comes from: its group, and the rule as the group lists it. */
export interface RuleOrigin {
  group: SecurityGroup;
  rule: Rule;
}

/**
 * A group's peer as the combined policy of several groups must see it: `self` is the rule's own
 * group, named by id so that `self` of one group and `self` of another stay apart (and meet a
 * rule of a third group that names either of them); an account naming the group's own account
 * is dropped, as the normalizers do.
 */
export function resolvedPeer(peer: Peer, owner: Pick<SecurityGroup, 'id' | 'account'>): Peer {
  if (peer.kind !== 'group') return peer;
  if (peer.self) return { kind: 'group', groupId: owner.id, self: false };
  if (peer.account !== undefined && peer.account === owner.account)
    return { kind: 'group', groupId: peer.groupId, self: false };
  return peer;
}

/**
 * Each group's applied rules with their peers resolved; with `bindOrder`, their priorities rewritten
 * so that the group bound first wins (`rank * (max + 1) + priority`: every rule of an earlier group
 * outranks every rule of a later one, and within a group the priorities keep their order). A rule is
 * copied only where something changes; `origins` maps every rule returned to its group and the rule
 * it stands for.
 */
export function interfaceRules(
  groups: readonly SecurityGroup[],
  origins: Map<Rule, RuleOrigin>,
  bindOrder: boolean,
): Rule[][] {
  const applied = groups.map((group) => appliedRules(group));
  let max = 0;
  for (const list of applied) for (const rule of list) if (rule.priority > max) max = rule.priority;
  return applied.map((list, rank) => {
    const group = groups[rank] as SecurityGroup;
    return list.map((rule) => {
      const peer = resolvedPeer(rule.peer, group);
      const priority = bindOrder ? rank * (max + 1) + rule.priority : rule.priority;
      const combined = peer === rule.peer && priority === rule.priority ? rule : { ...rule, peer, priority };
      origins.set(combined, { group, rule });
      return combined;
    });
  });
}

/** The sets every group's rules name, keyed by id as the evaluator looks them up (the first group's copy of an id wins). */
export function mergedSets(groups: readonly SecurityGroup[]): { addressSets?: AddressSet[]; portSets?: PortSet[] } {
  const addressSets = new Map<string, AddressSet>();
  const portSets = new Map<string, PortSet>();
  for (const group of groups) {
    for (const set of group.addressSets ?? []) if (!addressSets.has(set.id)) addressSets.set(set.id, set);
    for (const set of group.portSets ?? []) if (!portSets.has(set.id)) portSets.set(set.id, set);
  }
  return {
    ...(addressSets.size > 0 ? { addressSets: [...addressSets.values()] } : {}),
    ...(portSets.size > 0 ? { portSets: [...portSets.values()] } : {}),
  };
}
