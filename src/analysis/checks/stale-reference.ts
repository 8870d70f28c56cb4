import { oneDraftPerSubject, ruleSubject } from '../check.ts';
import type { Check, FindingDraft } from '../check.ts';
import { ALIBABA_OVERVIEW, HUAWEI_SECURITY_GROUP, cite } from '../documents.ts';
import { describeRule } from '../describe.ts';

export const staleReference: Check<'stale-reference'> = {
  meta: {
    id: 'stale-reference',
    title: 'Rule refers to a group that does not exist',
    severity: 'medium',
    rationale:
      'A rule naming a deleted or foreign group grants nothing today, but if the id is reused or the reference was mistyped, access appears or is missing without anyone noticing.',
    source: `AWS EC2 "stale security group rules" (DescribeStaleSecurityGroups); group-as-source rules in ${cite(HUAWEI_SECURITY_GROUP)} and ${cite(ALIBABA_OVERVIEW)}`,
    remediation: 'Remove the rule, or point it at the group that should have access.',
  },
  run({ group, estate }) {
    const drafts: FindingDraft[] = [];
    for (const rule of group.rules) {
      const peer = rule.peer;
      if (peer.kind !== 'group' || peer.self) continue;
      if (peer.account && peer.account !== group.account) continue; // another account: not read here
      if (estate.hasGroup(group.provider, group.account, group.region, peer.groupId)) continue;
      drafts.push({
        subject: ruleSubject(rule),
        legacySubject: `rule/${rule.native.ruleId}`,
        ruleIds: [rule.native.ruleId],
        title: `Rule refers to missing group ${peer.groupId}`,
        detail: `${describeRule(rule)} refers to ${peer.groupId}, which is not among the groups read for ${group.provider} ${group.account || '-'} ${group.region || '-'}.`,
      });
    }
    return oneDraftPerSubject(drafts);
  },
};
