import type { AddressSet, Peer, PortSet, Rule, SecurityGroup } from '../model/types.ts';
import { bucketsOf, evaluateBucket, evaluateGroup, regionKey } from './evaluate.ts';
import type { Bucket, BucketResult, EvaluatedPolicy, ProtocolAtom, RuleSpace, Segment, SpaceInfo } from './evaluate.ts';
import { ruleSpace } from './rule-space.ts';
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

/**
 * The group's part from its own evaluation on its applied rules (the group audit's): the rules whose
 * peer names the group itself (`self`, or its own account) move to the bucket of the group's id, so
 * only that bucket and the ones they leave are evaluated again; every other bucket holds the same
 * rules in the same order, and its regions are taken as they are. Equal to `evaluatedPart(group)`,
 * maps and their order included (test/group-part-from-audit-matches-evaluation.test.ts).
 */
export function partFromPolicy(group: SecurityGroup, policy: EvaluatedPolicy): GroupPart {
  const origins = new Map<Rule, RuleOrigin>();
  // The buckets the moved rules go to (a group peer always has a space).
  const moved = new Set<string>();
  const rules = policy.rules.map((rule) => {
    const peer = resolvedPeer(rule.peer, group);
    const resolved = peer === rule.peer ? rule : { ...rule, peer };
    origins.set(resolved, { group, rule });
    if (resolved !== rule) moved.add(`${rule.direction}|${ruleSpace(resolved, policy.group)?.space.key}`);
    return resolved;
  });
  if (moved.size === 0) return { rules, policy, origins };

  const oldKey = (rule: Rule): string | undefined => {
    const placed = policy.ruleSpaces.get(rule);
    return placed && `${rule.direction}|${placed.space.key}`;
  };
  // Left behind: the buckets the moved rules came from, and those they join (a rule naming the group by id).
  const replaced = new Set<string>(moved);
  policy.rules.forEach((rule, i) => {
    const key = oldKey(rule);
    if (key !== undefined && rules[i] !== rule) replaced.add(key);
  });
  const again = rules.filter((rule, i) => {
    const original = policy.rules[i] as Rule;
    if (rule !== original) return true;
    const key = oldKey(original);
    return key !== undefined && replaced.has(key);
  });
  const ruleSpaces = new Map<Rule, RuleSpace>();
  const fresh = bucketsOf(again, policy.group, ruleSpaces);
  const effective = new Set(policy.effective);
  for (const key of replaced) for (const c of policy.buckets.get(key)?.rules ?? []) effective.delete(c.rule);
  const results = new Map<string, BucketResult>();
  for (const [key, bucket] of fresh) results.set(key, evaluateBucket(bucket, effective));

  // The maps in the order evaluateGroup fills them: buckets by their first rule in the list.
  const bucketOf = new Map<Rule, string>();
  for (const [key, bucket] of policy.buckets)
    if (!replaced.has(key)) for (const c of bucket.rules) bucketOf.set(c.rule, key);
  for (const [key, bucket] of fresh) for (const c of bucket.rules) bucketOf.set(c.rule, key);
  const buckets = new Map<string, Bucket>();
  const spaces = new Map<string, SpaceInfo>();
  const atoms = new Map<string, Set<ProtocolAtom>>();
  const segments = new Map<string, Segment[]>();
  for (const rule of rules) {
    const key = bucketOf.get(rule);
    if (key === undefined || buckets.has(key)) continue;
    const result = results.get(key);
    const bucket = (result ? fresh.get(key) : policy.buckets.get(key)) as Bucket;
    buckets.set(key, bucket);
    spaces.set(bucket.space.key, bucket.space);
    const present = result ? result.atoms : (policy.atoms.get(key) as Set<ProtocolAtom>);
    atoms.set(key, present);
    for (const atom of present) {
      const rk = regionKey(bucket.direction, bucket.space.key, atom);
      segments.set(rk, (result ? result.segments.get(atom) : policy.segments.get(rk)) as Segment[]);
    }
  }
  const placed = new Map<Rule, RuleSpace>();
  rules.forEach((rule, i) => {
    const space = ruleSpaces.get(rule) ?? policy.ruleSpaces.get(policy.rules[i] as Rule);
    if (space) placed.set(rule, space);
  });
  return {
    rules,
    policy: { group: policy.group, rules, spaces, segments, atoms, effective, buckets, ruleSpaces: placed },
    origins,
  };
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
