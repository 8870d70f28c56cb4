import { contentKey } from '../../model/rule-signature.ts';
import { oneDraftPerSubject } from '../check.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { describeRule } from '../describe.ts';
import type { CompiledRule } from '../evaluate.ts';
import { isImplicit } from '../semantics.ts';

/** Whether two rules of the same direction and peer space match some packet in common. */
function overlaps(a: CompiledRule, b: CompiledRule): boolean {
  if (a.rule.protocol !== 'all' && b.rule.protocol !== 'all' && a.rule.protocol !== b.rule.protocol) return false;
  if (!a.ports.some((p) => b.ports.some((q) => p.from <= q.to && q.from <= p.to))) return false;
  return a.lo <= b.hi && b.lo <= a.hi;
}

export const priorityConflict: Check<'priority-conflict'> = {
  meta: {
    id: 'priority-conflict',
    title: 'Allow and deny at the same priority overlap',
    severity: 'medium',
    rationale:
      'When an allow and a deny of the same priority match the same traffic, the deny wins; the allow is partly dead and the intent of the pair is unclear to whoever reads it next.',
    source: `${cite(ALIBABA_OVERVIEW, 'Security group rule priority')}; ${cite(HUAWEI_SECURITY_GROUP, 'rule priority and action')}`,
    remediation:
      'Give the rule that should win a higher priority (a smaller number), or narrow one of them so they no longer overlap.',
  },
  run({ policy }) {
    const drafts: FindingDraft[] = [];
    for (const bucket of policy.buckets.values()) {
      const denies = bucket.rules.filter((c) => c.rule.action === 'deny');
      if (denies.length === 0) continue;
      for (const allow of bucket.rules) {
        if (allow.rule.action !== 'allow' || isImplicit(allow.rule)) continue;
        for (const deny of denies) {
          if (deny.rule.priority !== allow.rule.priority || !overlaps(allow, deny)) continue;
          drafts.push({
            subject: `pair/${contentKey(allow.rule)}/${contentKey(deny.rule)}`,
            legacySubject: `pair/${allow.rule.native.ruleId}/${deny.rule.native.ruleId}`,
            ruleIds: [allow.rule.native.ruleId, deny.rule.native.ruleId],
            title: `Allow and deny overlap at priority ${allow.rule.priority}`,
            detail: `${describeRule(allow.rule)} and ${describeRule(deny.rule)} match the same traffic at the same priority; the deny wins there.`,
          });
        }
      }
    }
    return oneDraftPerSubject(drafts);
  },
};
