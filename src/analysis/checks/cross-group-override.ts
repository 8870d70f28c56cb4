import { intervalToCidrs } from '../../model/address.ts';
import { isPublicInterface } from '../../model/network-interface.ts';
import { portsLabel, protocolLabel } from '../../model/protocol.ts';
import type { Family, Severity } from '../../model/types.ts';
import { ruleSubject } from '../check.ts';
import { plural } from '../describe.ts';
import { findingReach, reachSampleText } from '../finding-reach.ts';
import type { InterfaceCheck, InterfaceDraft } from '../interface-check.ts';
import { groupRuleText } from '../interface-describe.ts';
import { overriddenRules } from '../interface-overrides.ts';
import type { OverriddenRule } from '../interface-overrides.ts';

export const crossGroupOverride: InterfaceCheck<'cross-group-override'> = {
  meta: {
    id: 'cross-group-override',
    title: "A group's rule is overridden on an interface by another group's rule",
    severity: 'high',
    rationale:
      'Several groups on one interface combine by the cloud’s rule, so a rule can decide one thing in its own group and the opposite on the interface: a deny that no longer protects because another group allows first (Alibaba: a better priority; Huawei: a group bound earlier), or an allow made useless by another group’s deny. Reviewing each group alone never shows it.',
    source:
      'Alibaba Cloud ECS, "Security group rules" and "Security group overview" (rules of all groups sorted together, priority then drop before accept); Huawei Cloud VPC, "Access Control Overview" (the group bound first takes effect first)',
    remediation:
      'Decide which rule should hold on the interface: remove or narrow the overriding rule, move the protecting deny to the group that decides first, or drop the allow that can never take effect.',
  },
  run({ policy, interfaces, config }) {
    const overridden = overriddenRules(policy);
    if (overridden.length === 0) return [];
    const bySubject = new Map<string, OverriddenRule[]>();
    for (const entry of overridden) {
      const subject = `${entry.group.id}/${ruleSubject(entry.rule)}`;
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), entry]);
    }
    const reach = findingReach(interfaces);
    const anyPublic = interfaces.some(isPublicInterface);
    const inSomeOrder = policy.orders === 'every-order' ? ' in some bind order (the order is not known)' : '';
    const drafts: InterfaceDraft[] = [];
    for (const [subject, entries] of bySubject) {
      const first = entries[0] as OverriddenRule;
      const protects = first.decision === 'deny';
      const severity: Severity = protects ? (anyPublic ? 'high' : 'medium') : 'low';
      const own = groupRuleText(first.group, first.rule);
      const by = entries.map((e) => groupRuleText(e.overriddenBy.group, e.overriddenBy.rule));
      drafts.push({
        subject,
        ruleIds: [first.rule.native.ruleId, ...entries.map((e) => e.overriddenBy.rule.native.ruleId)],
        decidingGroups: [
          ...new Map([first, ...entries.map((e) => e.overriddenBy)].map((e) => [e.group.id, e.group])).values(),
        ].map((g) => ({ id: g.id, name: g.name })),
        severity: config.checks.severity['cross-group-override'] ?? severity,
        title: protects
          ? `Deny in ${first.group.name || first.group.id} no longer protects: another group on the interface allows first`
          : `Allow in ${first.group.name || first.group.id} has no effect: another group on the interface denies first`,
        detail: `${protects ? 'A deny that no longer protects' : 'An allow made useless'}: ${own} (${first.rule.action}) is overridden${inSomeOrder} by ${by.join(', ')} (${first.overriddenBy.decision}); for example ${exampleText(first)}. On ${plural(reach.interfaces, 'interface')} carrying these groups (${reachSampleText(reach)}; ${reach.publicInterfaces} public).`,
        interfaces,
      });
    }
    return drafts;
  },
};

/** "tcp 22 from 203.0.113.0/24" (the first block of the part), or "from members of group sg-1". */
function exampleText(entry: OverriddenRule): string {
  const { packet, ports, addresses } = entry.example;
  const [familyText, peer] = packet.space.split('|') as [string, string | undefined];
  const family = familyText as Family;
  const toward = packet.direction === 'ingress' ? 'from' : 'to';
  const where = peer
    ? `${toward} ${peer.replace(/^group:/, 'members of group ')}`
    : `${toward} ${intervalToCidrs(family, addresses.lo, addresses.hi)[0] ?? '?'}`;
  return `${packet.direction} ${family} ${protocolLabel(packet.protocol)} ${portsLabel(packet.protocol, ports)} ${where}`;
}
