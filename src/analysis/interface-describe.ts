import type { Rule, SecurityGroup } from '../model/types.ts';
import { describeRule } from './describe.ts';
import { UNFILTERED_SET } from '../model/network-interface.ts';
import type { InterfacePolicy } from './interface-evaluate.ts';

/** `group sg-1 (web) rule <the rule as the group lists it>`. */
export function groupRuleText(group: SecurityGroup, rule: Rule): string {
  const name = group.name && group.name !== group.id ? ` (${group.name})` : '';
  return `group ${group.id}${name} rule ${describeRule(rule)}`;
}

/** A rule of an interface's combined policy as a reader finds it: its group, and the rule as the group lists it. */
export function interfaceRuleText(policy: InterfacePolicy): (rule: Rule) => string {
  return (rule) => {
    const origin = policy.origins.get(rule);
    return origin ? groupRuleText(origin.group, origin.rule) : describeRule(rule);
  };
}

/** The groups of the set as a finding names them: ids joined with `+` (in bind order where it decides, else sorted), and their names. */
export function groupSetScope(policy: InterfacePolicy): { groupId: string; groupName: string } {
  if (policy.unfiltered) return { ...UNFILTERED_SET };
  return {
    groupId: policy.groups.map((g) => g.id).join('+'),
    groupName: policy.groups.map((g) => g.name || g.id).join(' + '),
  };
}
