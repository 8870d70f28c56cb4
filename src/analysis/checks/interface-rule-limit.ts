import { plural } from '../describe.ts';
import { findingReach, reachSampleText } from '../finding-reach.ts';
import type { InterfaceCheck } from '../interface-check.ts';

/**
 * Per-interface limits as the provider documents them. Alibaba only: AWS enforces its quota
 * (groups per interface × rules per group) when a group or rule is added, and each account can
 * raise it, so no fixed number holds; Huawei and OTC document limits per group and per port's
 * group count (enforced by the API), no total of rules over a port's groups.
 */
const LIMITS = { alibaba: { groups: 10, rules: 1000 } } as const;

export const interfaceRuleLimit: InterfaceCheck<'interface-rule-limit'> = {
  meta: {
    id: 'interface-rule-limit',
    title: "An interface's groups together exceed the provider's per-interface limits",
    severity: 'medium',
    rationale:
      'An instance in several groups carries all their rules at once ("hundreds of rules may apply to the instance"); past the documented per-interface limits the cloud refuses changes to the interface or its groups, and the rule set is too large to review.',
    source:
      'Alibaba Cloud ECS, "Security group rules": an elastic network interface can be associated with up to 10 security groups, and the inbound and outbound rules of all its groups together cannot exceed 1,000 (also "AuthorizeSecurityGroup"); "Security group overview", usage notes',
    remediation:
      'Merge or remove groups on the interface, or move many single-address rules into a prefix list, until the interface is within the limits.',
  },
  run({ policy, interfaces }) {
    const limits = policy.groups[0] ? LIMITS[policy.groups[0].provider as keyof typeof LIMITS] : undefined;
    if (!limits || policy.groups.some((g) => g.provider !== policy.groups[0]?.provider)) return [];
    const groups = policy.groups.length;
    const rules = policy.groups.reduce((sum, g) => sum + g.rules.length, 0);
    const over = [
      groups > limits.groups ? `${groups} groups (limit ${limits.groups})` : '',
      rules > limits.rules ? `${rules} rules inbound and outbound (limit ${limits.rules})` : '',
    ].filter(Boolean);
    if (over.length === 0) return [];
    const reach = findingReach(interfaces);
    return [
      {
        subject: 'interface-limits',
        ruleIds: [],
        title: `Interface carries ${over.join(' and ')}`,
        detail: `The groups bound together exceed Alibaba's per-interface limits: ${over.join('; ')}. On ${plural(reach.interfaces, 'interface')} (${reachSampleText(reach)}).`,
        interfaces,
      },
    ];
  },
};
