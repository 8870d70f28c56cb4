import type { Rule } from '../../model/types.ts';
import type { Check, FindingDraft } from '../check.ts';
import { describeRule } from '../describe.ts';
import { allowedSignature, evaluateGroup } from '../evaluate.ts';
import type { EvaluatedPolicy } from '../evaluate.ts';
import { isImplicit } from '../semantics.ts';

/** Rules that decide, in the original policy, traffic the shadowed rule also matches. */
function coveringDeciders(policy: EvaluatedPolicy, rule: Rule): Rule[] {
  const out = new Set<Rule>();
  for (const regions of policy.regions.values()) {
    for (const region of regions) {
      if (region.direction !== rule.direction || !region.decidedBy || region.decidedBy === rule) continue;
      if (rule.protocol !== 'all' && region.protocol !== rule.protocol) continue;
      if (!rule.ports.some((p) => p.from <= region.ports.to && region.ports.from <= p.to)) continue;
      out.add(region.decidedBy);
    }
  }
  return [...out].filter((r) => r.family === rule.family);
}

/**
 * Rules whose removal changes no decision. Candidates are the rules that no single removal
 * test found effective; they are then removed one at a time (last first), each removal proved
 * by comparing the allowed traffic, so the reported set can be removed together.
 */
export function shadowedRules(policy: EvaluatedPolicy): Rule[] {
  const candidates = policy.rules.filter((r) => !isImplicit(r) && !policy.effective.has(r)).reverse();
  if (candidates.length === 0) return [];
  const original = allowedSignature(policy);
  let kept = [...policy.rules];
  const removed: Rule[] = [];
  for (const candidate of candidates) {
    const without = kept.filter((r) => r !== candidate);
    if (allowedSignature(evaluateGroup(policy.group, without), [policy]) === original) {
      kept = without;
      removed.push(candidate);
    }
  }
  return removed.reverse();
}

export const shadowedRule: Check = {
  meta: {
    id: 'shadowed-rule',
    title: 'Rule changes nothing',
    severity: 'low',
    rationale:
      'A rule that decides nothing (a duplicate, covered by a higher-precedence rule, a deny with nothing to deny beneath it, or an allow nullified by a deny) misleads reviewers about what is open and eats into rule quotas.',
    source: 'Alibaba Cloud priority and drop-wins semantics (seed 003); Huawei Cloud priority and deny-first semantics (seed 002)',
    remediation: 'Remove the rule; the effective policy stays exactly the same.',
  },
  run({ policy }) {
    const drafts: FindingDraft[] = [];
    for (const rule of shadowedRules(policy)) {
      const deciders = coveringDeciders(policy, rule);
      const why =
        rule.action === 'deny' && !deciders.some((d) => d.action === 'allow')
          ? 'nothing it denies would otherwise be allowed'
          : deciders.length > 0
            ? `everything it matches is already decided by ${deciders.slice(0, 3).map(describeRule).join(', ')}${deciders.length > 3 ? ` and ${deciders.length - 3} more` : ''}`
            : 'removing it changes no decision';
      drafts.push({
        subject: `rule/${rule.native.ruleId}`,
        ruleIds: [rule.native.ruleId],
        title: `Rule ${rule.native.ruleId} changes nothing`,
        detail: `${describeRule(rule)}: ${why}; the effective policy is identical without it.`,
      });
    }
    return drafts;
  },
};
