import type { AddressSet, Peer, PortSet, Rule, SecurityGroup } from '../model/types.ts';
import { evaluateGroup } from './evaluate.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
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

/** A group alone, as it takes part in an interface's policy: its applied rules with peers resolved, evaluated. */
export interface GroupPart {
  rules: Rule[];
  policy: EvaluatedPolicy;
  origins: Map<Rule, RuleOrigin>;
}

// One evaluation per group, however many interfaces carry it. Keyed by the group object: a group
// read again, or changed by a plan, is a new object and is evaluated afresh.
const parts = new WeakMap<SecurityGroup, GroupPart>();

/** `evaluatedPart`, kept for as long as the group object lives (explain and the fix proofs ask again and again). */
export function groupPart(group: SecurityGroup): GroupPart {
  let known = parts.get(group);
  if (!known) {
    known = evaluatedPart(group);
    parts.set(group, known);
  }
  return known;
}

/**
 * The group's applied rules with their peers resolved (a rule is copied only where its peer
 * changes), evaluated alone; `origins` maps each to the rule as the group lists it.
 */
export function evaluatedPart(group: SecurityGroup): GroupPart {
  const origins = new Map<Rule, RuleOrigin>();
  const rules = appliedRules(group).map((rule) => {
    const peer = resolvedPeer(rule.peer, group);
    const resolved = peer === rule.peer ? rule : { ...rule, peer };
    origins.set(resolved, { group, rule });
    return resolved;
  });
  return { rules, policy: evaluateGroup(group, rules), origins };
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
