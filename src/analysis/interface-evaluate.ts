import { filtersByGroups, groupSetKey } from '../model/network-interface.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import { capabilitiesOf, descriptorOf } from '../model/providers/index.ts';
import type { MultiGroup } from '../model/providers/index.ts';
import type { Rule, SecurityGroup } from '../model/types.ts';
import { bucketsOf, lookup } from './evaluate.ts';
import type { EvaluatedPolicy, Packet } from './evaluate.ts';
import { groupPart, mergedSets } from './interface-rules.ts';
import type { GroupPart, RuleOrigin } from './interface-rules.ts';
import { unfilteredPolicy } from './interface-unfiltered.ts';
import { lazyOverlay } from './interface-overlay.ts';
import type { OverlayStep } from './interface-overlay.ts';
import type { Overlay } from './policy-overlay.ts';
import type { RuleSpace } from './rule-space.ts';

export type { RuleOrigin } from './interface-rules.ts';

/**
 * The effective policy of one network interface: every group bound to it at once, combined by the
 * provider's rule (the capability table's `multiGroup`, DESIGN.md "Semantics"):
 * - `union` (AWS, OTC Neutron): every allow of every group counts.
 * - `priority` (Alibaba, ECS "Security group rules": the rules of all groups are aggregated and
 *   sorted together with the default rules; "Security group overview": priority, then drop before
 *   accept). Enterprise groups are aggregated the same way (the page does not tell them apart);
 *   basic and enterprise groups may not share a resource ("Basic and advanced security groups"),
 *   so where a snapshot mixes them the most open reading is taken and said.
 * - `bind-order` (Huawei, OTC VPC v3; Huawei's VPC access-control overview): the group bound first
 *   decides every packet it has a matching rule for, then priority, then deny before allow. Where
 *   the bind order is not known, every order is evaluated and the most open result reported (see
 *   `combinedPolicy`).
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
   * `ipv4|group:<id>`); map a deciding rule back through `origins`. Its regions come from the
   * groups' own policies laid over each other, so `buckets` re-evaluated would sort all rules as
   * one group (the `priority` reading, not the bind order or the most open one), and `effective`
   * holds every rule effective in its own group.
   */
  policy: EvaluatedPolicy;
  /** Every rule of `policy` to its group and the rule as the group lists it. */
  origins: Pick<ReadonlyMap<Rule, RuleOrigin>, 'get'>;
  /** The rules `policy` holds, per group of `groups`. */
  groupRules: Rule[][];
  /** Each group of `groups` evaluated alone on those rules (so deciders are shared with `policy`). */
  parts: GroupPart[];
  /** What the reader must know about how this policy was reached (unknown order, missing groups …). */
  notes: string[];
  /** Set where the groups do not filter the interface (port security disabled): everything is allowed, no group decides. */
  unfiltered?: true;
}

/**
 * Where the key of two interfaces is equal, so is their policy: it depends on the provider, account
 * and region of the group ids, the set of groups, and their order where the order decides. Valid
 * for one reading of the groups (an audit evaluates each distinct group set once).
 */
export function interfacePolicyKey(networkInterface: NetworkInterface): string {
  if (!filtersByGroups(networkInterface))
    return `${networkInterface.provider}|${networkInterface.account}|${networkInterface.region}|unfiltered`;
  const ordered =
    Object.values(descriptorOf(networkInterface.provider).apis).some((api) => api.multiGroup === 'bind-order') &&
    networkInterface.groupOrder === 'bind';
  const { provider, account, region } = networkInterface;
  return `${provider}|${account}|${region}|${ordered ? 'bind' : 'set'}|${groupSetKey(networkInterface, ordered)}`;
}

/**
 * The combined policy of an interface; `groups` are the groups its `groupIds` name (extra ones are
 * ignored). `partOf` gives each group's own evaluation (an audit passes one that keeps a group only
 * while the sets that carry it are judged).
 */
export function evaluateInterface(
  networkInterface: NetworkInterface,
  groups: readonly SecurityGroup[],
  partOf: (group: SecurityGroup) => GroupPart = groupPart,
): InterfacePolicy {
  if (!filtersByGroups(networkInterface))
    return unfilteredPolicy(networkInterface, interfacePolicyKey(networkInterface));
  const byId = new Map(groups.map((g) => [g.id, g]));
  const ids = [...new Set(networkInterface.groupIds)];
  const missingGroupIds = ids.filter((id) => !byId.has(id));
  const found = ids.filter((id) => byId.has(id)).map((id) => byId.get(id) as SecurityGroup);
  const semantics = semanticsOf(networkInterface, found);
  const bound = semantics === 'bind-order' && networkInterface.groupOrder === 'bind';
  // Where the order does not decide, one canonical order: equal keys give equal policies, deciders included.
  const ordered = bound ? found : [...found].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const own = ordered.map(partOf);
  // Looked up in the parts (a rule is one part's own): most sets ask for a few deciders only.
  const origins = {
    get(rule: Rule): RuleOrigin | undefined {
      for (let i = 0; i < own.length; i++) {
        const origin = (own[i] as GroupPart).origins.get(rule);
        if (origin) return origin;
      }
      return undefined;
    },
  };
  const groupRules = own.map((part) => part.rules);
  const combined = combinedGroup(networkInterface, ordered, groupRules.flat());
  const mixedTypes = semantics === 'priority' && mixesGroupTypes(ordered);
  const everyOrder = (semantics === 'bind-order' && !bound) || semantics === 'mixed' || mixedTypes;
  const policy = combinedPolicy(combined, own, semantics, bound, mixedTypes);
  const orders = ordered.length < 2 ? 'n/a' : bound ? 'bind' : everyOrder && !mixedTypes ? 'every-order' : 'n/a';
  return {
    key: interfacePolicyKey(networkInterface),
    groups: ordered,
    missingGroupIds,
    semantics,
    orders,
    policy,
    origins,
    groupRules,
    parts: own,
    notes: notesOf(networkInterface, ordered, missingGroupIds, semantics),
  };
}

/**
 * Each group is evaluated alone once; the interface's policy lays them over each other, which
 * gives every provider's rule exactly:
 * - bind order: the first group with a rule matching a packet decides it by its own best rule.
 * - priority: the best rule over all groups is the best of each group's own best rule.
 * - union (allow-only): allowed where any group allows.
 * - every bind order, most open: allowed exactly where some group alone allows. If group G alone
 *   allows a packet, the order with G first allows it (G has a matching rule and its best one
 *   allows); if some order allows it, the group deciding it there is the first in that order with
 *   a matching rule and its best rule allows, so that group alone allows it. So one overlay instead
 *   of n! evaluations (test/interface-evaluator-matches-reference.test.ts enumerates every order to
 *   check it); a packet no order allows keeps the decider of the listed order.
 * Mixed semantics, and Alibaba basic and enterprise groups together (which Alibaba refuses), take
 * the most open of every reading.
 */
function combinedPolicy(
  combined: SecurityGroup,
  own: readonly GroupPart[],
  semantics: MultiGroup | 'mixed',
  bound: boolean,
  mixedTypes: boolean,
): EvaluatedPolicy {
  const alone = own.map((part) => part.policy);
  if (alone.length === 1) return alone[0] as EvaluatedPolicy;
  const steps: OverlayStep[] =
    semantics !== 'priority'
      ? [{ how: bound ? 'first-match' : 'most-open' }]
      : mixedTypes
        ? [{ how: 'priority' }, { how: 'most-open', overPrevious: true }]
        : [{ how: 'priority' }];
  return new CombinedPolicy(combined, lazyOverlay(alone, steps), alone);
}

/**
 * The overlaid policy of several groups; `effective`, `buckets` and `ruleSpaces` are compiled and
 * collected only when asked (most interfaces are only looked up and measured). A class, not an
 * object literal with getters: V8 keeps a literal's accessors in the old generation, and through
 * them every young-generation collection would keep the groups' evaluations alive and promote them.
 */
class CombinedPolicy implements EvaluatedPolicy {
  readonly group: SecurityGroup;
  readonly rules: Rule[];
  readonly spaces: EvaluatedPolicy['spaces'];
  readonly segments: EvaluatedPolicy['segments'];
  readonly atoms: EvaluatedPolicy['atoms'];
  readonly layers: readonly EvaluatedPolicy[];
  #effective: Set<Rule> | undefined;
  #buckets: EvaluatedPolicy['buckets'] | undefined;
  #ruleSpaces: EvaluatedPolicy['ruleSpaces'] | undefined;

  constructor(combined: SecurityGroup, decided: Overlay, alone: readonly EvaluatedPolicy[]) {
    this.group = combined;
    this.rules = combined.rules;
    this.spaces = decided.spaces;
    this.segments = decided.segments;
    this.atoms = decided.atoms;
    this.layers = alone;
  }

  /** Every rule effective in its own group. */
  get effective(): Set<Rule> {
    this.#effective ??= new Set(this.layers.flatMap((policy) => [...policy.effective]));
    return this.#effective;
  }

  /** The combined rules compiled as one group's (the `priority` reading). */
  get buckets(): EvaluatedPolicy['buckets'] {
    this.#buckets ??= bucketsOf(this.rules, this.group, new Map<Rule, RuleSpace>());
    return this.#buckets;
  }

  /** Each rule as its own group placed it: the regions were decided on those. */
  get ruleSpaces(): EvaluatedPolicy['ruleSpaces'] {
    this.#ruleSpaces ??= new Map(this.layers.flatMap((policy) => [...policy.ruleSpaces]));
    return this.#ruleSpaces;
  }
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
