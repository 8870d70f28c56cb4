import { z } from 'zod';
import { implicitRule } from '../implicit-rules.ts';
import type { Rule, SecurityGroup } from '../types.ts';
import { endpoint, region, scanTuning } from './config-parts.ts';
import type { ProviderDescriptor } from './descriptor.ts';

const alibabaConfigSchema = z
  .object({ account: z.string().default(''), regions: z.array(region).min(1), endpoint, ...scanTuning })
  .strict()
  .optional();

/**
 * Alibaba (ECS "Security group overview"): a group allows all outbound traffic unless a rule
 * says otherwise, and a basic group lets its own instances reach each other when
 * InnerAccessPolicy is Accept (the default for basic groups). Enterprise (advanced) groups do not.
 */
function alibabaImplicitRules(group: SecurityGroup): Rule[] {
  const rules: Rule[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const any = family === 'ipv4' ? '0.0.0.0/0' : '::/0';
    rules.push(
      implicitRule(
        'egress',
        family,
        { kind: 'cidr', cidr: any },
        `${family}-egress`,
        'Alibaba: outbound allowed by default',
      ),
    );
  }
  const basic = group.groupType !== 'enterprise';
  if (basic && group.innerAccessPolicy !== 'drop') {
    rules.push(
      implicitRule(
        'ingress',
        'ipv4',
        { kind: 'group', groupId: group.id, self: true },
        'inner-access',
        'Alibaba: InnerAccessPolicy Accept',
      ),
    );
  }
  return rules;
}

/** Alibaba Cloud ECS security groups: accept/drop at priority 1..100, default rules at 110, all groups of an interface sorted together. */
export const alibaba: ProviderDescriptor<'alibaba', typeof alibabaConfigSchema> = {
  name: 'alibaba',
  title: 'Alibaba',
  defaultApi: 'ecs',
  apis: {
    ecs: {
      allowOnly: false,
      priorities: { min: 1, max: 100 },
      systemPriority: 110,
      peerKinds: ['cidr', 'group'],
      addressSetPeers: ['prefix-list'],
      referencesCarryFamily: false,
      uniquePriorities: false,
      multiGroup: 'priority',
    },
  },
  implicitRules: alibabaImplicitRules,
  configSchema: alibabaConfigSchema,
  // Auto Scaling's scaling configurations: the ECS ones (DescribeScalingConfigurations) and the ECI
  // (container) ones (DescribeEciScalingConfigurations), two listings each read or not on its own.
  launchSources: [
    { kind: 'launch-template', checked: 'no launch template version names it', unread: 'launch templates' },
    {
      kind: 'scaling-configuration',
      checked: 'no Auto Scaling scaling configuration names it',
      unread: 'scaling configurations',
    },
    {
      kind: 'eci-scaling-configuration',
      checked: 'no Auto Scaling ECI scaling configuration names it',
      unread: 'ECI scaling configurations',
    },
  ],
  secretNames: ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
};
