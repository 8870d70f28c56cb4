import { removableCompanions } from '../../analysis/checks/shadowed-rule.ts';
import { evaluateGroup } from '../../analysis/evaluate.ts';
import { withoutStandIns } from '../../analysis/unreadable.ts';
import { appliedRules } from '../../analysis/semantics.ts';
import type { Finding, Rule, SecurityGroup } from '../../model/types.ts';
import type { PlanDraft } from './common.ts';
import type { Planner } from './fixers.ts';
import { describeForDiff, emptyDraft, removeOnce } from './common.ts';
import { decidersOf } from './policy.ts';

// shadowed-rule: remove exactly the rules the check reports. The plan relies on the rules that
// decide their traffic once they are gone (if one of those changes, the removal is no longer neutral).

export function planShadowed(finding: Finding, group: SecurityGroup): PlanDraft | string {
  const rules = finding.ruleIds.map((id) => group.rules.find((r) => r.native.ruleId === id));
  if (rules.some((r) => r === undefined) || rules.length === 0)
    return `rule ${finding.ruleIds.join(', ')} is no longer in ${group.id}`;
  const draft = emptyDraft();
  // Rules the check reports as removable only together (an allow and the denies that nullify it) go together.
  const named = rules as Rule[];
  const targets = [...named, ...removableCompanions(withoutStandIns(evaluateGroup(group)), named)];
  for (const rule of targets) removeOnce(draft, rule);
  const without = evaluateGroup(
    group,
    appliedRules(group).filter((r) => !targets.includes(r)),
  );
  for (const rule of targets)
    for (const decider of decidersOf(without, rule))
      if (!draft.reliesOn.includes(decider)) draft.reliesOn.push(decider);
  draft.summary = `Remove ${targets.map((r) => `${r.native.ruleId} (${describeForDiff(r, group)})`).join(', ')} from ${group.name} (${group.id}): it changes nothing`;
  return draft;
}

/** Removing rules that change nothing may change no traffic at all: the empty scope. */
export const shadowedFixer: Planner = {
  plan: (finding, _located, group) => planShadowed(finding, group),
  scope: () => [],
};
