import { countFacets } from '../../model/exposure-measure.ts';
import { contentKey } from '../../model/rule-signature.ts';
import type { Check } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_DEFAULT_GROUPS, OTC_DEFAULT_GROUP, cite } from '../documents.ts';
import { describeRule } from '../describe.ts';
import { describeTemplateRule, templateDrift, templateFor } from '../templates/match.ts';

export const templateDriftCheck: Check<'template-drift'> = {
  meta: {
    id: 'template-drift',
    title: 'Group drifted from its documented template',
    severity: 'medium',
    rationale:
      'A group named after a documented template (or assigned a golden template) is expected to hold exactly its rules; additions widen access without review, missing rows break what the template promises.',
    source: `${cite(HUAWEI_DEFAULT_GROUPS)}; ${cite(OTC_DEFAULT_GROUP)}; ${cite(ALIBABA_OVERVIEW, 'Default security group')}; CIS AWS 5.4 (default group restricts all traffic); user templates`,
    remediation:
      'Restore the template: remove the added rules and add back the missing ones, or assign the group a template that matches its purpose.',
  },
  run({ group, config }) {
    const template = templateFor(group, config);
    if (!template) return [];
    const drift = templateDrift(group, template);
    if (drift.added.length === 0 && drift.missing.length === 0) return [];
    const parts: string[] = [];
    if (drift.added.length) parts.push(`added: ${drift.added.map(describeRule).join('; ')}`);
    if (drift.missing.length) parts.push(`missing: ${drift.missing.map(describeTemplateRule).join('; ')}`);
    return [
      {
        subject: `template/${template.id}/${drift.missing.map(describeTemplateRule).sort().join('|')}`,
        ruleIds: drift.added.map((r) => r.native.ruleId),
        // Each added rule is a facet: one added since the drift was accepted widens it.
        exposure: countFacets(drift.added.map((r) => `added ${contentKey(r)}`)),
        title: `Differs from template ${template.id} (${drift.added.length} added, ${drift.missing.length} missing)`,
        detail: `Group follows "${template.title}" (${template.source}); ${parts.join('; ')}.`,
        severity: drift.added.length > 0 ? undefined : 'low',
      },
    ];
  },
};
