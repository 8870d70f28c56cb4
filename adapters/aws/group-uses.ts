import { isRecord } from '../../src/lib/record.ts';
import type { GroupUse } from '../../src/model/network-interface.ts';
import { groupUsePage, unparseableRecord } from '../../src/model/page.ts';
import type { PageContext, PageKind, PageResult } from '../../src/model/page.ts';

// What names a group without an interface carrying it yet: EC2 launch templates
// (DescribeLaunchTemplates lists them, DescribeLaunchTemplateVersions gives each version's
// LaunchTemplateData) and Auto Scaling launch configurations (DescribeLaunchConfigurations), PascalCase
// as the APIs return them. Every page says which listing it belongs to (`groupUsePage`), empty or not:
// "read, none" is not "not read".
//
// Whether what they launch gets a public IPv4 address: `AssociatePublicIpAddress` true → yes, false →
// no; absent → the subnet's MapPublicIpOnLaunch decides (EC2 Auto Scaling API reference,
// CreateLaunchConfiguration), and the subnet is not read here, so absent counts as public: a group is
// never judged unreachable on what was not read.

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => arrayOf(value).map(text).filter(Boolean);

/** `AssociatePublicIpAddress` as read: only an explicit false is private. */
const mayBePublic = (flag: unknown): boolean => flag !== false;

/** The account in an ARN (`arn:aws:iam::123456789012:root`, a launch configuration's ARN), or ''. */
function accountOfArn(value: unknown): string {
  const account = text(value).split(':')[4] ?? '';
  return /^\d{12}$/.test(account) ? account : '';
}

function use(
  ctx: PageContext,
  account: string,
  groupId: string,
  by: GroupUse['by'],
  assignsPublicAddress: boolean,
): GroupUse {
  return { provider: 'aws', account, region: ctx.region, groupId, by, assignsPublicAddress };
}

/**
 * The groups one launch template version names: `SecurityGroupIds` and `SecurityGroups` (names, in a
 * default VPC; `mergeInterfacePages` resolves them to ids) for the instance's own interface, and each
 * `NetworkInterfaces[].Groups` with that interface's public-address setting.
 */
function templateVersionUses(item: Record<string, unknown>, ctx: PageContext): GroupUse[] {
  const id = text(item['LaunchTemplateId']);
  const name = text(item['LaunchTemplateName']);
  // One use per template, whichever of its versions names the group (`mergeInterfacePages` keeps it public if any is).
  const by: GroupUse['by'] = { kind: 'launch-template', id, ...(name ? { name } : {}) };
  const account = ctx.account || accountOfArn(item['CreatedBy']);
  const data = isRecord(item['LaunchTemplateData']) ? item['LaunchTemplateData'] : {};
  const interfaces = arrayOf(data['NetworkInterfaces']).filter(isRecord);
  // The instance-level groups go on its primary interface, whose public IP the interfaces' setting (if any) decides.
  const primary = interfaces.find((n) => n['DeviceIndex'] === 0 || n['DeviceIndex'] === undefined);
  const out: GroupUse[] = [];
  for (const groupId of [...strings(data['SecurityGroupIds']), ...strings(data['SecurityGroups'])])
    out.push(use(ctx, account, groupId, by, mayBePublic(primary?.['AssociatePublicIpAddress'])));
  for (const spec of interfaces) {
    for (const groupId of strings(spec['Groups']))
      out.push(use(ctx, account, groupId, by, mayBePublic(spec['AssociatePublicIpAddress'])));
  }
  return out;
}

function describeLaunchTemplateVersions(page: unknown, ctx: PageContext): PageResult {
  const result = groupUsePage('aws', 'launch-template');
  for (const item of arrayOf(isRecord(page) ? page['LaunchTemplateVersions'] : undefined)) {
    if (!isRecord(item) || !text(item['LaunchTemplateId'])) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'launch template version without LaunchTemplateId', item));
      continue;
    }
    result.groupUses!.push(...templateVersionUses(item, ctx));
  }
  return result;
}

function describeLaunchConfigurations(page: unknown, ctx: PageContext): PageResult {
  const result = groupUsePage('aws', 'launch-configuration');
  for (const item of arrayOf(isRecord(page) ? page['LaunchConfigurations'] : undefined)) {
    const name = isRecord(item) ? text(item['LaunchConfigurationName']) : '';
    if (!isRecord(item) || !name) {
      result.unparseable.push(unparseableRecord(ctx, {}, 'launch configuration without LaunchConfigurationName', item));
      continue;
    }
    const account = ctx.account || accountOfArn(item['LaunchConfigurationARN']);
    const by: GroupUse['by'] = { kind: 'launch-configuration', id: name, name };
    // SecurityGroups holds ids, or names for a default VPC (resolved by `mergeInterfacePages`).
    for (const groupId of strings(item['SecurityGroups']))
      result.groupUses!.push(use(ctx, account, groupId, by, mayBePublic(item['AssociatePublicIpAddress'])));
  }
  return result;
}

const listed = (page: unknown, key: string): boolean => isRecord(page) && Array.isArray(page[key]);

export const awsGroupUsePageKinds: PageKind[] = [
  {
    // The templates themselves name no group (their versions do): the page says the listing was read.
    name: 'aws:DescribeLaunchTemplates',
    providers: ['aws'],
    matches: (page) => listed(page, 'LaunchTemplates'),
    normalize: () => groupUsePage('aws', 'launch-template'),
  },
  {
    name: 'aws:DescribeLaunchTemplateVersions',
    providers: ['aws'],
    matches: (page) => listed(page, 'LaunchTemplateVersions'),
    normalize: describeLaunchTemplateVersions,
  },
  {
    name: 'aws:DescribeLaunchConfigurations',
    providers: ['aws'],
    matches: (page) => listed(page, 'LaunchConfigurations'),
    normalize: describeLaunchConfigurations,
  },
];
