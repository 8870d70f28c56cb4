import type { Check } from '../check.ts';
import { HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';

export const missingDescription: Check<'missing-description'> = {
  meta: {
    id: 'missing-description',
    title: 'Rules without a description',
    severity: 'info',
    rationale: 'Without a description nobody can tell why a rule exists, so nobody dares remove it.',
    source: `AWS Well-Architected SEC05-BP02; ${cite(HUAWEI_SECURITY_GROUP, 'rule parameters: Description')}`,
    remediation: 'Describe each rule: who needs it and why (ticket id).',
  },
  run({ group }) {
    const bare = group.rules.filter((r) => r.enabled && r.description.trim() === '');
    if (bare.length === 0) return [];
    return [
      {
        subject: 'descriptions',
        ruleIds: bare.map((r) => r.native.ruleId),
        title: `${bare.length} rule${bare.length === 1 ? '' : 's'} without a description`,
        detail: `Rules without a description: ${bare.map((r) => r.native.ruleId).join(', ')}.`,
      },
    ];
  },
};
