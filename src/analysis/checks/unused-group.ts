import { descriptorOf } from '../../model/providers/index.ts';
import type { Check } from '../check.ts';

export const unusedGroup: Check<'unused-group'> = {
  meta: {
    id: 'unused-group',
    title: 'Group is attached to nothing',
    severity: 'low',
    rationale: 'Unused groups accumulate permissive rules and get attached later without review.',
    source: 'Prowler ec2_securitygroup_not_used; Cloud Custodian security-group `unused` filter',
    remediation: 'Delete the group, or attach it where it is meant to be used.',
  },
  run({ group, estate, reach }) {
    // Only when attachment data was read for this scope; provider default groups cannot be deleted,
    // nor can a group another group's rule refers to (the rule authorizes the group's members), nor
    // one a launch template or configuration names (its instances will carry it).
    if (group.attachments === undefined || group.attachments.length > 0 || group.name === 'default') return [];
    if (estate.isReferenced?.(group.provider, group.id)) return [];
    if (reach && (reach.interfaces.length > 0 || reach.uses.length > 0)) return [];
    const checked = [
      'no network interface carries it',
      ...(estate.isReferenced ? ["no other group's rule names it"] : []),
      reach?.usesRead
        ? (descriptorOf(group.provider).launchSources ?? 'no launch template or configuration names it')
        : 'launch templates and configurations were not read, so check them before deleting it',
    ];
    return [
      {
        subject: 'unused',
        ruleIds: [],
        title: 'Group is attached to nothing',
        detail: `No network interface of ${group.provider} ${group.account || '-'} ${group.region || '-'} uses ${group.id} (${group.name || 'unnamed'}). Checked: ${checked.join('; ')}.`,
      },
    ];
  },
};
