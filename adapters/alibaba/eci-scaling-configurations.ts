import { isRecord } from '../../src/lib/record.ts';
import type { GroupUse } from '../../src/model/network-interface.ts';
import { groupUsePage, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';
import { entries, launchUses, text } from './launch-templates.ts';

// Alibaba Auto Scaling (ESS) ECI scaling configurations, the templates of scaling groups of the
// Elastic Container Instance type (Alibaba Cloud ESS API reference, "DescribeEciScalingConfigurations"):
// version 2014-08-28 lists them as `ScalingConfigurations.ScalingConfiguration[]`, 2022-02-22 as a
// bare array, the same wrappers DescribeScalingConfigurations answers with. Each names the group its
// container groups get (SecurityGroupId), whether an EIP is created and bound to each (AutoCreateEip,
// its bandwidth EipBandwidth) and how many IPv6 addresses each gets (Ipv6AddressCount). Inactive
// configurations are listed too and count, as the ECS ones do.
//
// A page is told apart from a DescribeScalingConfigurations page by its entries: only an ECI
// configuration carries containers and the EIP fields. An empty page of either listing has no entry
// to tell by and is read as DescribeScalingConfigurations': it never vouches for the ECI listing.

const ECI_ONLY_FIELDS = ['Containers', 'ContainerGroupName', 'AutoCreateEip', 'EipBandwidth'] as const;

const configurationsOf = (page: unknown): unknown[] =>
  entries(isRecord(page) ? page.ScalingConfigurations : undefined, 'ScalingConfiguration');

/** Whether a scaling-configurations page lists ECI configurations (some entry has a field only they have). */
export const isEciScalingConfigurationsPage = (page: unknown): boolean =>
  configurationsOf(page).some((item) => isRecord(item) && ECI_ONLY_FIELDS.some((field) => field in item));

const flag = (value: unknown): boolean | undefined =>
  value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;

/**
 * A container group gets a public address from an EIP the scaling group creates (only an explicit
 * AutoCreateEip false says it does not) or from IPv6 addresses (global unicast, public as an
 * interface's are).
 */
function assignsPublicAddress(item: Record<string, unknown>): boolean {
  const ipv6 = Number(item.Ipv6AddressCount ?? 0);
  return flag(item.AutoCreateEip) !== false || !(ipv6 === 0 || Number.isNaN(ipv6));
}

function describeEciScalingConfigurations(page: unknown, ctx: PageContext): PageResult {
  const result = groupUsePage('alibaba', 'eci-scaling-configuration');
  for (const item of configurationsOf(page)) {
    const id = isRecord(item) ? text(item.ScalingConfigurationId) : '';
    if (!isRecord(item) || !id) {
      result.unparseable.push(
        unparseableRecord(ctx, {}, 'ECI scaling configuration without ScalingConfigurationId', item),
      );
      continue;
    }
    const name = text(item.ScalingConfigurationName);
    const by: GroupUse['by'] = { kind: 'eci-scaling-configuration', id, ...(name ? { name } : {}) };
    const region = ctx.region || text(item.RegionId);
    result.groupUses!.push(...launchUses(ctx, region, by, item, assignsPublicAddress(item)));
  }
  return result;
}

export const alibabaEciScalingConfigurationPageKinds: PageKind[] = [
  {
    name: 'alibaba:DescribeEciScalingConfigurations',
    providers: ['alibaba'],
    matches: isEciScalingConfigurationsPage,
    normalize: describeEciScalingConfigurations,
  },
];
