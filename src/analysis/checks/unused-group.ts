import { descriptorOf } from '../../model/providers/index.ts';
import type { GroupUseKind } from '../../model/network-interface.ts';
import type { LaunchSource } from '../../model/providers/descriptor.ts';
import type { Check } from '../check.ts';

/** What of the cloud's launch sources was checked, and which were not read (so the user checks those). */
function launchesChecked(sources: readonly LaunchSource[], listed: ReadonlySet<GroupUseKind> | undefined): string[] {
  const read = sources.filter((source) => listed?.has(source.kind));
  if (read.length === 0) return ['launch templates and configurations were not read, so check them before deleting it'];
  const unread = sources.filter((source) => !listed?.has(source.kind)).map((source) => source.unread);
  return [
    ...read.map((source) => source.checked),
    ...(unread.length > 0 ? [`${unread.join(' and ')} were not read, so check them before deleting it`] : []),
  ];
}

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
      ...launchesChecked(descriptorOf(group.provider).launchSources ?? [], reach?.usesListed),
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
