import type { EstateIndex } from '../../analysis/check.ts';
import type { WardenConfig } from '../../config/schema.ts';
import type { Finding, SecurityGroup } from '../../model/types.ts';
import type { Plan } from '../../model/change.ts';
import { finishPlan, locateFinding } from './common.ts';
import { fixerOf } from './fixers.ts';

// Least-privilege fixes, one planner per check, chosen in `fixers.ts` (DESIGN.md, "Remediation").
// Pure: the evaluator and the checks answer every question; nothing here reads or writes anything.

export { templateRowToRule } from './template.ts';
export { describeForDiff, locateFinding, trustedSourcesFor } from './common.ts';

export type PlanAttempt = { plan: Plan } | { reason: string };

/** A plan for the finding, or why there is none. `estate` answers reference checks (the group alone by default). */
export function attemptPlan(
  finding: Finding,
  group: SecurityGroup,
  config: WardenConfig,
  estate?: EstateIndex,
): PlanAttempt {
  const fixer = fixerOf(finding.check);
  if (fixer && 'none' in fixer) return { reason: fixer.none };
  const located = locateFinding(finding, group, config, estate);
  // A check id no check has (a finding stored by an older version) is found on no group either.
  if (!fixer || !located)
    return { reason: `${group.id} no longer shows this finding (the rules changed since the audit): audit again` };
  // What an unread list holds is unknown: a plan could neither be proved nor keep what the list really allows.
  const unknown = located.draft.ruleIds
    .map((id) => [...located.policy.ruleSpaces].find(([r]) => r.native.ruleId === id)?.[1].unresolved)
    .find((u) => u !== undefined);
  if (unknown)
    return {
      reason: `the finding rests on ${unknown}: grant Warden read access to the list (or put its entries in the snapshot) and audit again`,
    };
  const result = fixer.plan(finding, located, group, config);
  if (typeof result === 'string') return { reason: result };
  if (result.adds.length === 0 && result.removes.length === 0) return { reason: 'the fix would change no rule' };
  return { plan: finishPlan(finding, group, config, result, estate) };
}

/** The plan that fixes the finding, or undefined when the check has no safe fix (see `whyNoPlan`). */
export function planFor(finding: Finding, group: SecurityGroup, config: WardenConfig): Plan | undefined {
  const attempt = attemptPlan(finding, group, config);
  return 'plan' in attempt ? attempt.plan : undefined;
}

/** Why `planFor` gives no plan for the finding; the empty string when it gives one. */
export function whyNoPlan(finding: Finding, group: SecurityGroup, config: WardenConfig): string {
  const attempt = attemptPlan(finding, group, config);
  return 'reason' in attempt ? attempt.reason : '';
}
