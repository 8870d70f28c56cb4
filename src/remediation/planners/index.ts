import type { EstateIndex } from '../../analysis/check.ts';
import type { WardenConfig } from '../../config/schema.ts';
import type { Finding, SecurityGroup } from '../../model/types.ts';
import type { Plan } from '../types.ts';
import type { PlanDraft } from './common.ts';
import { finishPlan, locateFinding } from './common.ts';
import { planAllPorts } from './all-ports.ts';
import { planInternetPort } from './internet-port.ts';
import { planPortRange } from './port-range.ts';
import { planShadowed } from './shadowed.ts';
import { planTemplateDrift } from './template.ts';

// Least-privilege fixes, one planner per check (DESIGN.md, "Remediation"). Pure: the evaluator and
// the checks answer every question; nothing here reads or writes anything.

export { templateRowToRule } from './template.ts';
export { describeForDiff, locateFinding, trustedSourcesFor } from './common.ts';

/** Why checks without a planner get none. */
const NO_PLANNER: Record<string, string> = {
  'priority-conflict':
    'which of the two rules should win is a decision about intent that the rules do not record: give the rule that should win a smaller priority number, or narrow one of them so they no longer overlap',
  'wide-public-cidr': 'narrowing a public range needs the addresses that should keep access, which only you know: replace the range by them (or add it to wide.trustedPublicRanges if it is yours)',
  'stale-reference': 'the referenced group is gone from the audited estate; whether to recreate it, point the rule elsewhere or delete it is a decision about intent',
  'too-many-rules': 'merging rules is a restructuring, not a least-privilege fix: review the shadowed-rule and port-range findings first',
  'unused-group': 'deleting a group is not a rule change; confirm nothing launches into it, then delete it',
  'egress-all': 'narrowing outbound traffic needs the destinations the workload talks to, which the rules do not record',
  'missing-description': 'descriptions are text only you can write; they change no traffic',
  'unresolved-peer':
    'what the list holds is unknown, and the list is shared with other groups: grant Warden read access to it (or put its entries in the snapshot) and audit again, so the findings it carries can be planned',
  'unparseable-rule': 'Warden could not read the rule, so it cannot plan a change to it: fix or remove it in the console',
};

export type PlanAttempt = { plan: Plan } | { reason: string };

/** A plan for the finding, or why there is none. `estate` answers reference checks (the group alone by default). */
export function attemptPlan(finding: Finding, group: SecurityGroup, config: WardenConfig, estate?: EstateIndex): PlanAttempt {
  const noPlanner = NO_PLANNER[finding.check];
  if (noPlanner) return { reason: noPlanner };
  const located = locateFinding(finding, group, config, estate);
  if (!located) return { reason: `${group.id} no longer shows this finding (the rules changed since the audit): audit again` };
  // What an unread list holds is unknown: a plan could neither be proved nor keep what the list really allows.
  const unknown = located.draft.ruleIds.map((id) => [...located.policy.ruleSpaces].find(([r]) => r.native.ruleId === id)?.[1].unresolved).find((u) => u !== undefined);
  if (unknown) return { reason: `the finding rests on ${unknown}: grant Warden read access to the list (or put its entries in the snapshot) and audit again` };
  let result: PlanDraft | string;
  switch (finding.check) {
    case 'internet-admin-port':
    case 'internet-high-risk-port':
      result = planInternetPort(finding, located, group, config);
      break;
    case 'internet-all-ports':
      result = planAllPorts(finding, located, group, config);
      break;
    case 'port-range':
      result = planPortRange(finding, located, group, config);
      break;
    case 'template-drift':
      result = planTemplateDrift(finding, group, config);
      break;
    case 'shadowed-rule':
      result = planShadowed(finding, group);
      break;
    default:
      return { reason: `no planner for ${finding.check}` };
  }
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
