import { isRecord } from '../../src/lib/record.ts';
import type { GroupUse } from '../../src/model/network-interface.ts';
import { emptyPageResult, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';

// Alibaba launch templates: DescribeLaunchTemplates (`LaunchTemplateSets.LaunchTemplateSet[]`) lists
// them, DescribeLaunchTemplateVersions (`LaunchTemplateVersionSets.LaunchTemplateVersionSet[]`) gives
// every version's LaunchTemplateData. Each group a version names (SecurityGroupId,
// SecurityGroupIds.SecurityGroupId[], NetworkInterfaces.NetworkInterface[].SecurityGroupId(s)) is a
// group use of the template. "If the value of InternetMaxBandwidthOut is greater than 0, a public IP
// address is automatically allocated to the instance" (ECS API reference, RunInstances): only an
// explicit 0 counts as private, as RunInstances may be given the template without it and a bandwidth.
// Every page carries `groupUses`, empty or not: "read, none" is not "not read".

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const list = (holder: unknown, key: string): unknown[] =>
  isRecord(holder) && Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];

/** The groups one LaunchTemplateData (or one of its interfaces) names. */
function namedGroups(holder: Record<string, unknown>): string[] {
  return [text(holder.SecurityGroupId), ...list(holder.SecurityGroupIds, 'SecurityGroupId').map(text)].filter(Boolean);
}

function assignsPublicAddress(data: Record<string, unknown>): boolean {
  const bandwidth = data.InternetMaxBandwidthOut;
  const value = typeof bandwidth === 'string' && bandwidth.trim() !== '' ? Number(bandwidth) : bandwidth;
  return !(typeof value === 'number' && value === 0);
}

function describeLaunchTemplateVersions(page: unknown, ctx: PageContext): PageResult {
  const result: PageResult = { ...emptyPageResult(), groupUses: [] };
  const pageRegion = isRecord(page) ? text(page.RegionId) : '';
  for (const item of list(isRecord(page) ? page.LaunchTemplateVersionSets : undefined, 'LaunchTemplateVersionSet')) {
    const id = isRecord(item) ? text(item.LaunchTemplateId) : '';
    if (!isRecord(item) || !id) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'launch template version without LaunchTemplateId', item));
      continue;
    }
    const data = isRecord(item.LaunchTemplateData) ? item.LaunchTemplateData : {};
    const name = text(item.LaunchTemplateName);
    const by: GroupUse['by'] = { kind: 'launch-template', id, ...(name ? { name } : {}) };
    const publicAddress = assignsPublicAddress(data);
    const groups = new Set([
      ...namedGroups(data),
      ...list(data.NetworkInterfaces, 'NetworkInterface').flatMap((n) => (isRecord(n) ? namedGroups(n) : [])),
    ]);
    for (const groupId of groups)
      result.groupUses!.push({
        provider: 'alibaba',
        account: ctx.account,
        region: ctx.region || pageRegion,
        groupId,
        by,
        assignsPublicAddress: publicAddress,
      });
  }
  return result;
}

const hasList = (page: unknown, outer: string, inner: string): boolean =>
  isRecord(page) && isRecord(page[outer]) && Array.isArray((page[outer] as Record<string, unknown>)[inner]);

export const alibabaLaunchTemplatePageKinds: PageKind[] = [
  {
    // The templates name no group (their versions do): the page says the listing was read.
    name: 'alibaba:DescribeLaunchTemplates',
    providers: ['alibaba'],
    matches: (page) => hasList(page, 'LaunchTemplateSets', 'LaunchTemplateSet'),
    normalize: () => ({ ...emptyPageResult(), groupUses: [] }),
  },
  {
    name: 'alibaba:DescribeLaunchTemplateVersions',
    providers: ['alibaba'],
    matches: (page) => hasList(page, 'LaunchTemplateVersionSets', 'LaunchTemplateVersionSet'),
    normalize: describeLaunchTemplateVersions,
  },
];
