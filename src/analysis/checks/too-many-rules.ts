import type { Check } from '../check.ts';
import { ALIBABA_OVERVIEW, cite } from '../documents.ts';

export const tooManyRules: Check<'too-many-rules'> = {
  meta: {
    id: 'too-many-rules',
    title: 'Group has too many rules',
    severity: 'low',
    rationale:
      'Large rule sets are hard to review, approach provider quotas, and changes to them cause connection errors (Alibaba usage notes).',
    source: `${cite(ALIBABA_OVERVIEW, 'usage notes')}: "Set simple security group rules"; AWS VPC quota of 60 rules per direction`,
    remediation:
      'Split the group by tier or purpose, or replace many single addresses with a prefix list / address group.',
  },
  run({ group, config }) {
    const count = group.rules.length;
    if (count <= config.maxRulesPerGroup) return [];
    return [
      {
        subject: 'rule-count',
        ruleIds: [],
        title: `Group has ${count} rules (limit ${config.maxRulesPerGroup})`,
        detail: `${count} rules (${group.rules.filter((r) => r.direction === 'ingress').length} inbound, ${group.rules.filter((r) => r.direction === 'egress').length} outbound), more than the configured ${config.maxRulesPerGroup}.`,
      },
    ];
  },
};
