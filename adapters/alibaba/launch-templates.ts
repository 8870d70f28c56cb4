import { isRecord } from '../../src/lib/record.ts';
import type { GroupUse } from '../../src/model/network-interface.ts';
import { groupUsePage, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';

// Alibaba launch templates: DescribeLaunchTemplates (`LaunchTemplateSets.LaunchTemplateSet[]`) lists
// them, DescribeLaunchTemplateVersions (`LaunchTemplateVersionSets.LaunchTemplateVersionSet[]`) gives
// every version's LaunchTemplateData. Each group a version names (SecurityGroupId,
// SecurityGroupIds.SecurityGroupId[], NetworkInterfaces.NetworkInterface[].SecurityGroupId(s)) is a
// group use of the template. "If the value of InternetMaxBandwidthOut is greater than 0, a public IP
// address is automatically allocated to the instance" (ECS API reference, RunInstances): only an
// explicit 0 counts as private, as RunInstances may be given the template without it and a bandwidth.
// Every page says which listing it belongs to (`groupUsePage`), empty or not: "read, none" is not
// "not read".

export const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
/** A list as RPC JSON nests it (`{ SecurityGroupId: [...] }` under `SecurityGroupIds`), or bare as newer API versions give it. */
export const entries = (value: unknown, inner: string): unknown[] =>
  Array.isArray(value) ? value : isRecord(value) && Array.isArray(value[inner]) ? (value[inner] as unknown[]) : [];

/** The groups one LaunchTemplateData, scaling configuration or one of their interfaces names. */
function namedGroups(holder: Record<string, unknown>): string[] {
  return [text(holder.SecurityGroupId), ...entries(holder.SecurityGroupIds, 'SecurityGroupId').map(text)].filter(
    Boolean,
  );
}

function assignsPublicAddress(data: Record<string, unknown>): boolean {
  const bandwidth = data.InternetMaxBandwidthOut;
  const value = typeof bandwidth === 'string' && bandwidth.trim() !== '' ? Number(bandwidth) : bandwidth;
  return !(typeof value === 'number' && value === 0);
}

/**
 * The group uses of what launches instances from `data` (a launch template version's
 * LaunchTemplateData, a scaling configuration): each group it or one of its interfaces
 * (NetworkInterfaces.NetworkInterface[]) names, public when its outbound bandwidth is not 0
 * (unless the caller knows better from the fields of its own API).
 */
export function launchUses(
  ctx: PageContext,
  region: string,
  by: GroupUse['by'],
  data: Record<string, unknown>,
  assigns = assignsPublicAddress(data),
): GroupUse[] {
  const groups = new Set([
    ...namedGroups(data),
    ...entries(data.NetworkInterfaces, 'NetworkInterface').flatMap((n) => (isRecord(n) ? namedGroups(n) : [])),
  ]);
  return [...groups].map((groupId) => ({
    provider: 'alibaba' as const,
    account: ctx.account,
    region,
    groupId,
    by,
    assignsPublicAddress: assigns,
  }));
}

function describeLaunchTemplateVersions(page: unknown, ctx: PageContext): PageResult {
  const result = groupUsePage('alibaba', 'launch-template');
  const pageRegion = isRecord(page) ? text(page.RegionId) : '';
  for (const item of entries(isRecord(page) ? page.LaunchTemplateVersionSets : undefined, 'LaunchTemplateVersionSet')) {
    const id = isRecord(item) ? text(item.LaunchTemplateId) : '';
    if (!isRecord(item) || !id) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'launch template version without LaunchTemplateId', item));
      continue;
    }
    const data = isRecord(item.LaunchTemplateData) ? item.LaunchTemplateData : {};
    const name = text(item.LaunchTemplateName);
    const by: GroupUse['by'] = { kind: 'launch-template', id, ...(name ? { name } : {}) };
    result.groupUses!.push(...launchUses(ctx, ctx.region || pageRegion, by, data));
  }
  return result;
}

export const hasList = (page: unknown, outer: string, inner: string): boolean =>
  isRecord(page) && isRecord(page[outer]) && Array.isArray((page[outer] as Record<string, unknown>)[inner]);

export const alibabaLaunchTemplatePageKinds: PageKind[] = [
  {
    // The templates name no group (their versions do): the page says the listing was read.
    name: 'alibaba:DescribeLaunchTemplates',
    providers: ['alibaba'],
    matches: (page) => hasList(page, 'LaunchTemplateSets', 'LaunchTemplateSet'),
    normalize: () => groupUsePage('alibaba', 'launch-template'),
  },
  {
    name: 'alibaba:DescribeLaunchTemplateVersions',
    providers: ['alibaba'],
    matches: (page) => hasList(page, 'LaunchTemplateVersionSets', 'LaunchTemplateVersionSet'),
    normalize: describeLaunchTemplateVersions,
  },
];
