import { groupSetKey } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import { capabilitiesOf, descriptorOf } from '../model/providers/index.ts';
import type { MultiGroup } from '../model/providers/index.ts';
import type { Rule, SecurityGroup } from '../model/types.ts';
import { bucketsOf, evaluateGroup, lookup } from './evaluate.ts';
import type { EvaluatedPolicy, Packet } from './evaluate.ts';
import { interfaceRules, mergedSets } from './interface-rules.ts';
import type { RuleOrigin } from './interface-rules.ts';
import { overlayPolicies } from './policy-overlay.ts';
import type { RuleSpace } from './rule-space.ts';

export type { RuleOrigin } from './interface-rules.ts';

/**
 * The effective policy of one network interface: every group bound to it at once, combined by the
 * provider's rule (the capability table's `multiGroup`, DESIGN.md "Semantics"):
 * - `union` (AWS, OTC Neutron): every allow of every group counts.
 * - `priority` (Alibaba, ECS "Security group rules": the rules of all groups are aggregated and
 *   sorted together with the default rules): one evaluation of all groups' applied rules.
 * - `bind-order` (Huawei, OTC VPC v3; Huawei's VPC access-control overview): the group bound first
 *   decides every packet it has a matching rule for, then priority, then deny before allow. Where
 *   the bind order is not known, every order is evaluated and the most open result reported (see
 *   `everyOrder`).
 */
export interface InterfacePolicy {
  /** `interfacePolicyKey` of the interfaces this policy holds for. */
  key: string;
  /** The groups evaluated: in bind order where the order decides, sorted by id where it does not. */
  groups: SecurityGroup[];
  /** Groups the interface names that were not given (not read): left out, so the policy may allow less than the cloud does. */
  missingGroupIds: string[];
  /** How the groups combine; `mixed` where they disagree (evaluated as the most open of each group alone). */
  semantics: MultiGroup | 'mixed';
  /** How order was treated: the bind order, every order (most open result), or not deciding. */
  orders: 'bind' | 'every-order' | 'n/a';
  /**
   * The combined policy, in the group evaluator's shape: its rules are the groups' applied rules
   * with `self` resolved to group ids (packets from a group's members use the space
   * `ipv4|group:<id>`) and, in bind order, priorities rewritten to rank the groups. Map a deciding
   * rule back through `origins`; never show a rewritten rule's priority. For `every-order` and
   * `mixed`, `buckets` re-evaluated give the listed order, not the most open one, and `effective`
   * holds every rule effective in its own group.
   */
  policy: EvaluatedPolicy;
  /** Every rule of `policy` to its group and the rule as the group lists it. */
  origins: Map<Rule, RuleOrigin>;
  /** The rules `policy` holds, per group of `groups`. */
  groupRules: Rule[][];
  /** What the reader must know about how this policy was reached (unknown order, missing groups …). */
  notes: string[];
}

/**
 * Where the key of two interfaces is equal, so is their policy: it depends on the provider, account
 * and region of the group ids, the set of groups, and their order where the order decides. Valid
 * for one reading of the groups (an audit evaluates each distinct group set once).
 */
export function interfacePolicyKey(networkInterface: NetworkInterface): string {
  const ordered =
    Object.values(descriptorOf(networkInterface.provider).apis).some((api) => api.multiGroup === 'bind-order') &&
    networkInterface.groupOrder === 'bind';
  const { provider, account, region } = networkInterface;
  return `${provider}|${account}|${region}|${ordered ? 'bind' : 'set'}|${groupSetKey(networkInterface, ordered)}`;
}

/** The combined policy of an interface; `groups` are the groups its `groupIds` name (extra ones are ignored). */
export function evaluateInterface(
  networkInterface: NetworkInterface,
  groups: readonly SecurityGroup[],
): InterfacePolicy {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const ids = [...new Set(networkInterface.groupIds)];
  const missingGroupIds = ids.filter((id) => !byId.has(id));
  const found = ids.filter((id) => byId.has(id)).map((id) => byId.get(id) as SecurityGroup);
  const semantics = semanticsOf(networkInterface, found);
  const bound = semantics === 'bind-order' && networkInterface.groupOrder === 'bind';
  // Where the order does not decide, one canonical order: equal keys give equal policies, deciders included.
  const ordered = bound ? found : [...found].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const origins = new Map<Rule, RuleOrigin>();
  const groupRules = interfaceRules(ordered, origins, bound && ordered.length > 1);
  const combined = combinedGroup(networkInterface, ordered, groupRules.flat());
  const notes = notesOf(networkInterface, ordered, missingGroupIds, semantics);
  const mixedTypes = semantics === 'priority' && mixesGroupTypes(ordered);
  const everyOrder = (semantics === 'bind-order' && !bound) || semantics === 'mixed' || mixedTypes;
  // The most open result over every bind order allows exactly what some group allows alone: if
  // group G alone allows a packet, the order with G first allows it (G has a matching rule and its
  // best one allows); if some order allows it, the group deciding it there is the first in that
  // order with a matching rule, and its best matching rule allows, so that group alone allows it.
  // Hence one overlay of the groups' own policies instead of n! evaluations; a denied packet keeps
  // the decider of the listed order (test/interface-evaluator-matches-reference.test.ts enumerates
  // every order to check it).
  let policy: EvaluatedPolicy;
  let perGroup: EvaluatedPolicy[] | undefined;
  if (everyOrder && ordered.length > 1) {
    perGroup = ordered.map((group, i) => evaluateGroup(group, groupRules[i] as Rule[]));
    const parts = mixedTypes ? [evaluateGroup(combined, combined.rules), ...perGroup] : perGroup;
    policy = overlaid(combined, parts);
  } else policy = evaluateGroup(combined, combined.rules);
  const orders = ordered.length < 2 ? 'n/a' : bound ? 'bind' : everyOrder && !mixedTypes ? 'every-order' : 'n/a';
  const result: InterfacePolicy = {
    key: interfacePolicyKey(networkInterface),
    groups: ordered,
    missingGroupIds,
    semantics,
    orders,
    policy,
    origins,
    groupRules,
    notes,
  };
  if (perGroup) groupPolicyCache.set(result, perGroup);
  return result;
}

/** The decision for one packet on the interface, the deciding rule as its group lists it, and that group. */
export function lookupInterface(
  policy: InterfacePolicy,
  packet: Packet,
): { decision: 'allow' | 'deny'; rule: Rule | undefined; group: SecurityGroup | undefined } {
  const { decision, decidedBy } = lookup(policy.policy, packet);
  const origin = decidedBy ? policy.origins.get(decidedBy) : undefined;
  return { decision, rule: origin?.rule, group: origin?.group };
}

const groupPolicyCache = new WeakMap<InterfacePolicy, EvaluatedPolicy[]>();

/** Each group of the interface evaluated alone, on the rules the combined policy holds for it (so deciders are shared). */
export function groupPolicies(policy: InterfacePolicy): EvaluatedPolicy[] {
  let known = groupPolicyCache.get(policy);
  if (!known) {
    known = policy.groups.map((group, i) => evaluateGroup(group, policy.groupRules[i] as Rule[]));
    groupPolicyCache.set(policy, known);
  }
  return known;
}

function semanticsOf(networkInterface: NetworkInterface, groups: readonly SecurityGroup[]): MultiGroup | 'mixed' {
  const kinds = new Set(groups.map((g) => capabilitiesOf(g).multiGroup));
  if (kinds.size === 0) return capabilitiesOf({ provider: networkInterface.provider }).multiGroup;
  return kinds.size === 1 ? ([...kinds][0] as MultiGroup) : 'mixed';
}

/** Alibaba does not let basic and enterprise groups share a resource ("Basic and advanced security groups"). */
function mixesGroupTypes(groups: readonly SecurityGroup[]): boolean {
  return new Set(groups.map((g) => g.groupType === 'enterprise')).size > 1;
}

function notesOf(
  networkInterface: NetworkInterface,
  groups: readonly SecurityGroup[],
  missingGroupIds: readonly string[],
  semantics: MultiGroup | 'mixed',
): string[] {
  const notes: string[] = [];
  if (networkInterface.groupIds.length === 0)
    notes.push('no security group is bound to the interface: evaluated as the default deny');
  for (const id of missingGroupIds)
    notes.push(`group ${id} is bound to the interface but was not read: its rules are left out`);
  if (groups.length < 2) return notes;
  if (semantics === 'bind-order' && networkInterface.groupOrder !== 'bind')
    notes.push(
      'the order the groups are bound in is not known: every order is evaluated and the most open result reported',
    );
  if (semantics === 'mixed')
    notes.push(
      'the groups combine by different rules (union, priority, bind order): evaluated as the most open of each group alone',
    );
  if (semantics === 'priority' && mixesGroupTypes(groups))
    notes.push(
      'basic and enterprise groups share the interface, which Alibaba does not allow: evaluated as the most open of the aggregated rules and of each group alone',
    );
  return notes;
}

/** A group standing for all of the interface's groups: their rules, and the sets their rules name. */
function combinedGroup(
  networkInterface: NetworkInterface,
  groups: readonly SecurityGroup[],
  rules: Rule[],
): SecurityGroup {
  const first = groups[0];
  return {
    provider: networkInterface.provider,
    account: networkInterface.account,
    region: networkInterface.region,
    vpcId: networkInterface.vpcId,
    id: groups.map((g) => g.id).join('+'),
    name: groups.map((g) => g.name).join(' + '),
    description: `the groups of interface ${networkInterface.id}`,
    ...(first?.api ? { api: first.api } : {}),
    rules,
    ...mergedSets(groups),
  };
}

/** The most open of several policies, with the combined rules compiled so the exposure measures can read them. */
function overlaid(combined: SecurityGroup, parts: readonly EvaluatedPolicy[]): EvaluatedPolicy {
  const ruleSpaces = new Map<Rule, RuleSpace>();
  const buckets = bucketsOf(combined.rules, combined, ruleSpaces);
  const effective = new Set<Rule>();
  for (const part of parts) for (const rule of part.effective) effective.add(rule);
  return { group: combined, rules: combined.rules, ...overlayPolicies(parts), effective, buckets, ruleSpaces };
}
