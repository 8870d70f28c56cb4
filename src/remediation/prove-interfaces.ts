import { plural } from '../analysis/describe.ts';
import type { EvaluatedPolicy } from '../analysis/evaluate.ts';
import { internetExposure, isInternet } from '../analysis/exposure.ts';
import { evaluateInterface, interfacePolicyKey } from '../analysis/interface-evaluate.ts';
import type { InterfacePolicy } from '../analysis/interface-evaluate.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { NetworkInterface } from '../model/network-interface.ts';
import type { Estate, Rule, SecurityGroup } from '../model/types.ts';
import type { InterfaceProof, Plan, PlanProof } from '../model/change.ts';
import { carryingInterfaces } from './blast-radius.ts';
import { reportsSubject } from './planners/common.ts';
import { findingCombos, portOfSubject } from './planners/internet-port.ts';
import { applyPlanToGroup } from './planners/planned.ts';
import { describeChange, diffPolicies, provePlanInDetail, widens } from './prove.ts';

// A plan on a group changes every interface that carries the group, where all of its groups decide
// together: the proof on the group is repeated on each of them, with the interface evaluator.

/** Interfaces carrying the group with the same groups (same `interfacePolicyKey`): one policy before and after holds for all. */
interface CarriedSet {
  interfaces: NetworkInterface[];
  before: InterfacePolicy;
  after: InterfacePolicy;
}

function carriedSets(
  estate: Pick<Estate, 'groups' | 'interfaces'>,
  groupBefore: SecurityGroup,
  groupAfter: SecurityGroup,
): CarriedSet[] | undefined {
  const carrying = carryingInterfaces(estate, groupBefore);
  if (!carrying) return undefined;
  const byId = new Map<string, SecurityGroup>();
  for (const g of estate.groups)
    if (g.provider === groupBefore.provider && g.account === groupBefore.account && g.region === groupBefore.region)
      byId.set(g.id, g);
  const byKey = new Map<string, NetworkInterface[]>();
  for (const networkInterface of carrying) {
    const key = interfacePolicyKey(networkInterface);
    const same = byKey.get(key);
    if (same) same.push(networkInterface);
    else byKey.set(key, [networkInterface]);
  }
  return [...byKey.values()].map((interfaces) => {
    const first = interfaces[0] as NetworkInterface;
    // Only the groups the interface names: the evaluator indexes what it is given.
    const others = first.groupIds.flatMap((id) => {
      const other = id === groupBefore.id ? undefined : byId.get(id);
      return other ? [other] : [];
    });
    return {
      interfaces,
      before: evaluateInterface(first, [...others, groupBefore]),
      after: evaluateInterface(first, [...others, groupAfter]),
    };
  });
}

/** `interface eni-1 (i-1)`, and how many more interfaces have the same groups. */
function where(set: CarriedSet): string {
  const first = set.interfaces[0] as NetworkInterface;
  const instance = first.attachedTo?.kind === 'instance' ? ` (${first.attachedTo.id})` : '';
  const more = set.interfaces.length - 1;
  return `interface ${first.id}${instance}${more > 0 ? ` and ${plural(more, 'more interface')} with the same groups` : ''}`;
}

/** What a set's interfaces allow after the change that they did not allow before; and what cannot be proved for them. */
function widenings(set: CarriedSet): string[] {
  const lines: string[] = [];
  if (set.before.missingGroupIds.length > 0 && set.before.semantics !== 'union')
    lines.push(
      `${where(set)}: cannot prove it no more open: group ${set.before.missingGroupIds.join(', ')} is bound to it but was not read, and its rules decide together with this group's (${set.before.semantics})`,
    );
  for (const change of diffPolicies(set.before.policy, set.after.policy))
    if (widens(change, set.before.policy))
      lines.push(`${where(set)} more open: ${describeChange({ ...change, lost: [] })}`);
  return lines;
}

/** Whether the finding's exposure shows on a policy, and the rules that carry it where known. */
type ExposureTest = (policy: EvaluatedPolicy) => { open: boolean; rules: Rule[] };

/**
 * The finding's exposure asked of an interface's combined policy: a port open to the Internet over
 * the protocols and families the group opened it on, every port open, all egress open. Undefined for
 * findings that are not an exposure (a rule's form, a description, a template).
 */
function exposureTest(
  check: string,
  subject: string,
  groupPolicy: EvaluatedPolicy,
  config: WardenConfig,
): { what: string; test: ExposureTest } | undefined {
  const port = portOfSubject(subject);
  if (port !== undefined) {
    const combos = findingCombos(groupPolicy, config, check, port);
    const protocols = [...new Set(combos.map((c) => c.protocol))].join('+');
    return {
      what: `${protocols}/${port}`,
      test: (policy) => {
        const open = combos
          .map((c) => internetExposure(policy, 'ingress', c.family, c.protocol, port))
          .filter((e) => isInternet(e, config));
        return { open: open.length > 0, rules: open.flatMap((e) => e.rules) };
      },
    };
  }
  if (subject !== 'all-ports' && subject !== 'egress-all') return undefined;
  return {
    what: subject === 'all-ports' ? 'every port' : 'all outbound traffic',
    test: (policy) => ({ open: reportsSubject(check, subject, policy.group, config, policy), rules: [] }),
  };
}

function throughText(set: CarriedSet, rules: readonly Rule[]): string {
  const named = [
    ...new Set(
      rules.map((rule) => {
        const origin = set.after.origins.get(rule);
        return origin ? `group ${origin.group.name} (${origin.group.id}) rule ${origin.rule.native.ruleId}` : '';
      }),
    ),
  ].filter(Boolean);
  return named.length > 0 ? ` through ${named.slice(0, 3).join(', ')}` : '';
}

/** What the proof on the interfaces found: its summary, and the lines that keep the plan from being proven. */
export interface InterfaceProofResult {
  proof: InterfaceProof;
  problems: string[];
}

/**
 * The plan proved on every interface carrying the group (each with all of its groups, combined by
 * the provider's rule): no interface allows anything after that it did not allow before, and on
 * every interface the finding's exposure showed on, it is gone. Undefined when interfaces were not read.
 */
export function proveOnInterfaces(input: {
  estate: Pick<Estate, 'groups' | 'interfaces'>;
  group: SecurityGroup;
  groupAfter: SecurityGroup;
  check: string;
  subject: string;
  groupPolicy: EvaluatedPolicy;
  config: WardenConfig;
}): InterfaceProofResult | undefined {
  const sets = carriedSets(input.estate, input.group, input.groupAfter);
  if (!sets) return undefined;
  const exposure = exposureTest(input.check, input.subject, input.groupPolicy, input.config);
  const widened: string[] = [];
  const remaining: string[] = [];
  let concerned = 0;
  for (const set of sets) {
    widened.push(...widenings(set));
    // Its groups decide nothing there (port security disabled): what stays open is not this group's doing.
    if (set.before.unfiltered) continue;
    if (!exposure || !exposure.test(set.before.policy).open) continue;
    concerned += set.interfaces.length;
    const now = exposure.test(set.after.policy);
    if (now.open)
      remaining.push(
        `${where(set)}: ${exposure.what} stays open to the Internet${throughText(set, now.rules)}, so the finding is not gone there`,
      );
  }
  const notes: string[] = [];
  const unordered = sets.filter((s) => s.after.orders === 'every-order').flatMap((s) => s.interfaces).length;
  if (unordered > 0)
    notes.push(
      `the bind order of the groups on ${plural(unordered, 'interface')} is not known: proved on the most open result over every order, so the proof holds under every order`,
    );
  const unfiltered = sets.filter((s) => s.before.unfiltered).flatMap((s) => s.interfaces).length;
  if (unfiltered > 0)
    notes.push(
      `port security is disabled on ${plural(unfiltered, 'interface')} carrying the group: its rules do not filter them, so the change leaves their traffic as it is (everything allowed)`,
    );
  const missing = new Set(sets.flatMap((s) => s.before.missingGroupIds));
  if (missing.size > 0)
    notes.push(`group ${[...missing].sort().join(', ')} is bound to a carrying interface but was not read`);
  return {
    proof: {
      checked: sets.reduce((n, s) => n + s.interfaces.length, 0),
      ...(exposure ? { concerned } : {}),
      neverWidens: widened.length === 0,
      findingGone: remaining.length === 0,
      notes,
    },
    problems: [...remaining, ...widened],
  };
}

/**
 * Proves a plan on its group (`provePlanInDetail`) and, where the estate it was made from read
 * interfaces, on every interface that carries the group; the interfaces' verdicts are folded into
 * the proof, so a plan is proven only when it holds on all of them.
 */
export function provePlanOnEstate(
  group: SecurityGroup,
  plan: Plan,
  config: WardenConfig,
  estate: Pick<Estate, 'groups' | 'interfaces'> | undefined,
): PlanProof {
  const detail = provePlanInDetail(group, plan, config);
  if (!estate?.interfaces || !detail.located) return detail.proof;
  const result = proveOnInterfaces({
    estate,
    group,
    groupAfter: applyPlanToGroup(group, plan),
    check: plan.finding.check,
    subject: detail.located.subject,
    groupPolicy: detail.located.before,
    config,
  });
  if (!result) return detail.proof;
  const { proof } = detail;
  return {
    ...proof,
    findingGone: proof.findingGone && result.proof.findingGone,
    neverWidens: proof.neverWidens && result.proof.neverWidens,
    otherChanges: [...proof.otherChanges, ...result.problems],
    interfaces: result.proof,
  };
}

/**
 * For verifying an applied change on the estate as re-read: each interface carrying the group that
 * allows more with the group as it is now than with the group as it was. Undefined without interfaces.
 */
export function interfacesWidened(
  estate: Pick<Estate, 'groups' | 'interfaces'>,
  groupBefore: SecurityGroup,
  groupAfter: SecurityGroup,
): string[] | undefined {
  return carriedSets(estate, groupBefore, groupAfter)?.flatMap(widenings);
}
