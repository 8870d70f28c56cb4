import { auditEstate } from '../analysis/audit.ts';
import { matchesFingerprint } from '../model/fingerprint.ts';
import type { EstateIndex } from '../analysis/check.ts';
import { ruleSignature } from '../model/rule-signature.ts';
import type { WardenConfig } from '../config/schema.ts';
import type { Estate, Finding, Rule, SecurityGroup } from '../model/types.ts';
import type { ChangeRecord, Plan, PlanOperation, PlanProof, Precondition } from '../model/change.ts';
import { newRuleSignature, PLANNED_PREFIX, withoutNative } from './planners/planned.ts';
import { describeForDiff, planId } from './planners/common.ts';
import { attemptPlan } from './planners/index.ts';
import { isProven, unprovenReason } from './prove.ts';
import { withBlastRadius } from './blast-radius.ts';
import { provePlanOnEstate } from './prove-interfaces.ts';

// Plans as data: applying one to the model, inverting it, and planning a list of findings.

export {
  applyOperations,
  applyPlanToGroup,
  checkPreconditions,
  isPlanApplied,
  PLANNED_PREFIX,
} from './planners/planned.ts';

/**
 * The plan that undoes `plan` on the group as it is after it: adds back every rule the plan removed
 * (the provider gives them new ids) and removes every rule it added, found by content since their ids
 * are only known once applied (placeholder `planned:<n>` rules first, then any rule with that content).
 * Adds first, then removes, like every plan. Throws when an added rule is not in the group.
 */
export function inversePlan(plan: Plan, groupAfter: SecurityGroup): Plan {
  const adds: PlanOperation[] = [];
  const removes: PlanOperation[] = [];
  for (const op of plan.operations) if (op.op === 'remove') adds.push({ op: 'add', rule: withoutNative(op.rule) });
  const taken = new Set<Rule>();
  const candidates = [...groupAfter.rules].sort(
    (a, b) => Number(!a.native.ruleId.startsWith(PLANNED_PREFIX)) - Number(!b.native.ruleId.startsWith(PLANNED_PREFIX)),
  );
  for (const op of plan.operations) {
    if (op.op !== 'add') continue;
    const key = newRuleSignature(op.rule);
    const live = candidates.find((r) => !taken.has(r) && ruleSignature(r, true) === key);
    if (!live)
      throw new Error(`cannot invert plan ${plan.id}: the rule it added (${key}) is not in group ${groupAfter.id}`);
    taken.add(live);
    removes.push({ op: 'remove', ruleId: live.native.ruleId, signature: key, rule: live });
  }
  const operations = [...adds, ...removes];
  const preconditions: Precondition[] = removes.map((op) => ({
    ruleId: (op as { ruleId: string }).ruleId,
    signature: (op as { signature: string }).signature,
  }));
  return {
    id: planId(`inverse\u0000${plan.id}`, operations),
    finding: { ...plan.finding },
    target: { ...plan.target, groupName: groupAfter.name },
    operations,
    preconditions,
    resolves: [],
    summary: `Undo ${plan.id}: ${plan.summary}`,
    notes:
      removes.length > 0 || adds.length > 0
        ? ['restores the rules as they were before the plan (re-created rules get new provider ids)']
        : [],
    diff: [
      ...removes.map((op) => `- ${describeForDiff((op as { rule: Rule }).rule, groupAfter)}`),
      ...adds.map((op) => `+ ${describeForDiff((op as { rule: Rule }).rule, groupAfter)}`),
    ],
  };
}

export interface PlanningResult {
  /** Plans the evaluator proved: offered to a person. */
  offered: { plan: Plan; proof: PlanProof }[];
  /** Plans a planner made that the evaluator could not prove: never offered; the reason says why. */
  unproven: { plan: Plan; proof: PlanProof; reason: string }[];
  /** Findings without a plan, and why. */
  withoutPlan: { finding: Finding; reason: string }[];
}

function groupKey(g: Pick<SecurityGroup, 'provider' | 'account' | 'region' | 'id'>): string {
  return `${g.provider}\u0000${g.account}\u0000${g.region}\u0000${g.id}`;
}

/**
 * Plans every finding against its group in the estate (or list of groups) and proves each plan (on
 * every interface carrying the group where the estate read interfaces); only proven plans are offered.
 */
export function planFindings(
  input: Estate | readonly SecurityGroup[],
  findings: readonly Finding[],
  config: WardenConfig,
): PlanningResult {
  const groups = 'groups' in input ? input.groups : input;
  const byKey = new Map(groups.map((g) => [groupKey(g), g]));
  const estate: EstateIndex = {
    hasGroup: (provider, account, region, groupId) => byKey.has(groupKey({ provider, account, region, id: groupId })),
  };
  const result: PlanningResult = { offered: [], unproven: [], withoutPlan: [] };
  for (const finding of findings) {
    const group = byKey.get(
      groupKey({ provider: finding.provider, account: finding.account, region: finding.region, id: finding.groupId }),
    );
    if (!group) {
      result.withoutPlan.push({ finding, reason: `group ${finding.groupId} is not in the audited estate` });
      continue;
    }
    const attempt = attemptPlan(finding, group, config, estate);
    if ('reason' in attempt) {
      result.withoutPlan.push({ finding, reason: attempt.reason });
      continue;
    }
    const estateRead = 'groups' in input ? input : undefined;
    const plan = withBlastRadius(attempt.plan, estateRead);
    const proof = provePlanOnEstate(group, plan, config, estateRead);
    if (isProven(proof)) result.offered.push({ plan, proof });
    else result.unproven.push({ plan, proof, reason: unprovenReason(proof) });
  }
  return result;
}

/**
 * The fingerprints a change's finding goes by: the one its plan recorded and, for a record an
 * earlier version wrote (its fingerprint hashed rule ids), today's fingerprint of the same finding,
 * found by auditing the group as it was before the change.
 */
export function changeFingerprints(change: Pick<ChangeRecord, 'plan' | 'preImage'>, config: WardenConfig): string[] {
  const { plan } = change;
  const { target } = plan;
  const before: SecurityGroup = {
    provider: target.provider,
    account: target.account,
    region: target.region,
    vpcId: '',
    id: target.groupId,
    name: target.groupName,
    description: '',
    rules: change.preImage,
  };
  const same = auditEstate({ groups: [before], unparseable: [], scanErrors: [] }, config).findings.find(
    (f) => f.check === plan.finding.check && matchesFingerprint(f, plan.finding.fingerprint),
  );
  return same && same.fingerprint !== plan.finding.fingerprint
    ? [plan.finding.fingerprint, same.fingerprint]
    : [plan.finding.fingerprint];
}

/**
 * Whether `id` (an approval's, a posted button's) names this plan of the finding: its own id, or
 * the id an earlier version gave the same operations (it hashed the finding's legacy fingerprint).
 */
export function isPlanId(plan: Plan, finding: Pick<Finding, 'legacyFingerprint'>, id: string): boolean {
  return (
    plan.id === id ||
    (finding.legacyFingerprint !== undefined && planId(finding.legacyFingerprint, plan.operations) === id)
  );
}
