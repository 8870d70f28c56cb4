import { isRecord } from '../../src/lib/record.ts';
import type { GroupUse } from '../../src/model/network-interface.ts';
import { groupUsePage, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { isEciScalingConfigurationsPage } from './eci-scaling-configurations.ts';
import { entries, hasList, launchUses, text } from './launch-templates.ts';

// Alibaba Auto Scaling (ESS) scaling configurations: DescribeScalingConfigurations (API version
// 2014-08-28) lists them as `ScalingConfigurations.ScalingConfiguration[]` (version 2022-02-22 as a
// bare array), each with SecurityGroupId, SecurityGroupIds and NetworkInterfaces naming the groups its
// instances get, and InternetMaxBandwidthOut (> 0: a public IP). Inactive configurations are listed
// too and count: a scaling group can be switched back to one, and its instances then carry the group.

function describeScalingConfigurations(page: unknown, ctx: PageContext): PageResult {
  const result = groupUsePage('alibaba', 'scaling-configuration');
  for (const item of entries(isRecord(page) ? page.ScalingConfigurations : undefined, 'ScalingConfiguration')) {
    const id = isRecord(item) ? text(item.ScalingConfigurationId) : '';
    if (!isRecord(item) || !id) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'scaling configuration without ScalingConfigurationId', item));
      continue;
    }
    const name = text(item.ScalingConfigurationName);
    const by: GroupUse['by'] = { kind: 'scaling-configuration', id, ...(name ? { name } : {}) };
    result.groupUses!.push(...launchUses(ctx, ctx.region || text(item.RegionId), by, item));
  }
  return result;
}

export const alibabaScalingConfigurationPageKinds: PageKind[] = [
  {
    name: 'alibaba:DescribeScalingConfigurations',
    providers: ['alibaba'],
    // DescribeEciScalingConfigurations answers in the same wrappers; its pages are told apart by their entries.
    matches: (page) =>
      isRecord(page) &&
      (Array.isArray(page.ScalingConfigurations) || hasList(page, 'ScalingConfigurations', 'ScalingConfiguration')) &&
      !isEciScalingConfigurationsPage(page),
    normalize: describeScalingConfigurations,
  },
];
