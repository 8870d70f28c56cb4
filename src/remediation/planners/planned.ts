import { ruleSignature } from '../../model/rule-signature.ts';
import type { Rule, SecurityGroup } from '../../model/types.ts';
import type { NewRule, Plan, PlanOperation } from '../../model/change.ts';

// Applying a plan to the model: the group's rules as they will be once the plan has run. Pure.

/** The id a rule added by a plan carries in the model until the provider assigns one. */
export const PLANNED_PREFIX = 'planned:';

/** A rule the plan adds, as a model rule with a placeholder id. */
export function plannedRule(rule: NewRule, n: number): Rule {
  return { ...rule, native: { ruleId: `${PLANNED_PREFIX}${n}`, derivedId: true, raw: null } };
}

/** Content signature of a rule to add (the same text `ruleSignature(rule, true)` gives the live rule once created). */
export function newRuleSignature(rule: NewRule): string {
  return ruleSignature(rule, true);
}

/** The model rule without its provider identity: what adding it back creates. */
export function withoutNative(rule: Rule): NewRule {
  const { native: _native, ...rest } = rule;
  return { ...rest, ports: rest.ports.map((p) => ({ ...p })), peer: { ...rest.peer } };
}

/** The rule with these ports written out: a port list it named no longer applies. */
export function withPorts(rule: Rule, ports: Rule['ports']): NewRule {
  const { portList: _portList, ...rest } = withoutNative(rule);
  return { ...rest, ports };
}

/** What does not hold of a plan's preconditions on a group: one line per problem, empty when all hold. */
export function checkPreconditions(group: SecurityGroup, plan: Pick<Plan, 'target' | 'preconditions'>): string[] {
  const problems: string[] = [];
  const { target } = plan;
  if (
    target.provider !== group.provider ||
    target.account !== group.account ||
    target.region !== group.region ||
    target.groupId !== group.id
  ) {
    problems.push(
      `the plan is for ${target.provider}/${target.account}/${target.region}/${target.groupId}, not ${group.provider}/${group.account}/${group.region}/${group.id}`,
    );
    return problems;
  }
  for (const condition of plan.preconditions) {
    const live = group.rules.filter((r) => r.native.ruleId === condition.ruleId);
    if (live.length === 0) problems.push(`rule ${condition.ruleId} is gone`);
    else if (!live.some((r) => ruleSignature(r, true) === condition.signature)) {
      problems.push(
        `rule ${condition.ruleId} changed: expected "${condition.signature}", found "${ruleSignature(live[0] as Rule, true)}"`,
      );
    }
  }
  return problems;
}

/**
 * The group after the plan: the removed rules gone, the added ones appended with placeholder ids
 * `planned:1`, `planned:2` … (in the order of the add operations). Kept rules are the same objects.
 * Throws when a precondition does not hold (the plan was made for other rules).
 */
export function applyPlanToGroup(
  group: SecurityGroup,
  plan: Pick<Plan, 'target' | 'preconditions' | 'operations'>,
): SecurityGroup {
  const problems = checkPreconditions(group, plan);
  if (problems.length > 0) throw new Error(`plan does not fit group ${group.id}: ${problems.join('; ')}`);
  return applyOperations(group, plan.operations);
}

/** The operations alone, without the precondition check (removes match id and content). */
export function applyOperations(group: SecurityGroup, operations: readonly PlanOperation[]): SecurityGroup {
  const removed = new Set<Rule>();
  for (const op of operations) {
    if (op.op !== 'remove') continue;
    const live = group.rules.find(
      (r) => !removed.has(r) && r.native.ruleId === op.ruleId && ruleSignature(r, true) === op.signature,
    );
    if (!live) throw new Error(`rule ${op.ruleId} ("${op.signature}") is not in group ${group.id}`);
    removed.add(live);
  }
  const added: Rule[] = [];
  for (const op of operations) if (op.op === 'add') added.push(plannedRule(op.rule, added.length + 1));
  return { ...group, rules: [...group.rules.filter((r) => !removed.has(r)), ...added] };
}

/** Whether the plan's effect is already there: none of the removed rules left, every added rule present (by content). */
export function isPlanApplied(group: SecurityGroup, plan: Pick<Plan, 'operations'>): boolean {
  const live = new Map<string, number>();
  for (const rule of group.rules) live.set(ruleSignature(rule, true), (live.get(ruleSignature(rule, true)) ?? 0) + 1);
  for (const op of plan.operations) {
    if (
      op.op === 'remove' &&
      group.rules.some((r) => r.native.ruleId === op.ruleId && ruleSignature(r, true) === op.signature)
    )
      return false;
    if (op.op === 'add') {
      const key = newRuleSignature(op.rule);
      const left = live.get(key) ?? 0;
      if (left === 0) return false;
      live.set(key, left - 1);
    }
  }
  return true;
}
