import { parseCidr } from '../../model/address.ts';
import type { Rule } from '../../model/types.ts';
import type { Check, FindingDraft } from '../check.ts';
import { describeRule } from '../describe.ts';
import { spaceOf } from '../evaluate.ts';

function overlaps(a: Rule, b: Rule): boolean {
  if (a.direction !== b.direction) return false;
  if (a.protocol !== 'all' && b.protocol !== 'all' && a.protocol !== b.protocol) return false;
  if (!a.ports.some((p) => b.ports.some((q) => p.from <= q.to && q.from <= p.to))) return false;
  const spaceA = spaceOf(a);
  const spaceB = spaceOf(b);
  if (!spaceA || !spaceB || spaceA.key !== spaceB.key) return false;
  if (a.peer.kind !== 'cidr' || b.peer.kind !== 'cidr') return true;
  const blockA = parseCidr(a.peer.cidr);
  const blockB = parseCidr(b.peer.cidr);
  return !!blockA && !!blockB && blockA.lo <= blockB.hi && blockB.lo <= blockA.hi;
}

export const priorityConflict: Check = {
  meta: {
    id: 'priority-conflict',
    title: 'Allow and deny at the same priority overlap',
    severity: 'medium',
    rationale:
      'When an allow and a deny of the same priority match the same traffic, the deny wins; the allow is partly dead and the intent of the pair is unclear to whoever reads it next.',
    source: 'Alibaba Cloud ECS rule priority (seed 003); Huawei Cloud rule priority and action (seed 002)',
    remediation: 'Give the rule that should win a higher priority (a smaller number), or narrow one of them so they no longer overlap.',
  },
  run({ group }) {
    const drafts: FindingDraft[] = [];
    const rules = group.rules.filter((r) => r.enabled);
    for (const allow of rules.filter((r) => r.action === 'allow')) {
      for (const deny of rules.filter((r) => r.action === 'deny' && r.priority === allow.priority)) {
        if (!overlaps(allow, deny)) continue;
        drafts.push({
          subject: `pair/${allow.native.ruleId}/${deny.native.ruleId}`,
          ruleIds: [allow.native.ruleId, deny.native.ruleId],
          title: `Allow and deny overlap at priority ${allow.priority}`,
          detail: `${describeRule(allow)} and ${describeRule(deny)} match the same traffic at the same priority; the deny wins there.`,
        });
      }
    }
    return drafts;
  },
};
