import { derivedId } from '../model/ids.ts';
import { allowAllRule } from '../model/implicit-rules.ts';
import type { Direction, Rule, SecurityGroup, UnparseableRecord } from '../model/types.ts';
import { evaluateGroup } from './evaluate.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import { appliedRules } from './semantics.ts';

// A rule the normalizer could not read is evaluated as the worst it could be (DESIGN.md, "The rule
// model"): an allow, or a rule whose action is unknown, as allowing all traffic from anywhere at the
// highest priority a rule can have; a deny as absent. The stand-ins exist only in the evaluation:
// they are implicit rules (never planned, never shown as shadowed), not rules of the group.

const STAND_IN = 'implicit:unreadable:';

/** The id an unreadable record is known by: the provider's rule id, or one derived from its raw content. */
export function unreadableRuleId(record: UnparseableRecord): string {
  return record.ruleId || derivedId('raw', record.raw);
}

export function isStandIn(rule: Rule): boolean {
  return isStandInId(rule.native.ruleId);
}

/** Whether a finding's rule id is the stand-in of an unreadable rule; the unreadable rule's own id, or undefined. */
export function unreadableIdOf(ruleId: string): string | undefined {
  return ruleId.startsWith(STAND_IN) ? ruleId.slice(STAND_IN.length) : undefined;
}

function isStandInId(ruleId: string): boolean {
  return unreadableIdOf(ruleId) !== undefined;
}

/** The worst-case rules for one unreadable record: none for a deny or a record that is not a rule. */
export function standInRules(record: UnparseableRecord): Rule[] {
  const known = record.standsFor;
  if (!known || known.action === 'deny') return [];
  const directions: Direction[] = known.direction ? [known.direction] : ['ingress', 'egress'];
  const id = unreadableRuleId(record);
  return directions.flatMap((direction) =>
    (['ipv4', 'ipv6'] as const).map((family): Rule =>
      allowAllRule(direction, family, {
        // 1 is the highest priority a rule can have; an equal-priority deny still wins, as it would over the real rule.
        priority: 1,
        description: `unreadable rule ${id}, assumed to allow everything: ${record.reason}`,
        native: { ruleId: `${STAND_IN}${id}`, derivedId: true, raw: record.raw },
      }),
    ),
  );
}

function groupKey(provider: string, account: string, region: string, groupId: string): string {
  return `${provider}\u0000${account}\u0000${region}\u0000${groupId}`;
}

/** The stand-ins of each group, by its identity; groups without unreadable rules get none. */
export function standInsByGroup(records: readonly UnparseableRecord[]): (group: SecurityGroup) => Rule[] {
  const byGroup = new Map<string, Rule[]>();
  for (const record of records) {
    if (!record.standsFor || record.groupId === '') continue;
    const key = groupKey(record.provider, record.account, record.region, record.groupId);
    byGroup.set(key, [...(byGroup.get(key) ?? []), ...standInRules(record)]);
  }
  return (group) => byGroup.get(groupKey(group.provider, group.account, group.region, group.id)) ?? [];
}

/** The rules the group's evaluation takes: the applied rules, and the stand-ins of its unreadable ones. */
export function worstCaseRules(group: SecurityGroup, standIns: readonly Rule[]): Rule[] {
  return standIns.length === 0 ? appliedRules(group) : [...appliedRules(group), ...standIns];
}

/** The group's policy with its unreadable rules at their worst. */
export function evaluateWorstCase(group: SecurityGroup, standIns: readonly Rule[]): EvaluatedPolicy {
  return evaluateGroup(group, worstCaseRules(group, standIns));
}

/** The policy without stand-ins: for questions about the listed rules themselves (which of them change nothing). */
export function withoutStandIns(policy: EvaluatedPolicy): EvaluatedPolicy {
  return policy.rules.some(isStandIn)
    ? evaluateGroup(
        policy.group,
        policy.rules.filter((r) => !isStandIn(r)),
      )
    : policy;
}
